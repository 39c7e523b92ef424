// Issue 17 (latency): the reply to a lone message goes to WeChat before the receive loop's next
// synccheck. The whole path runs as a user runs it (AccountManager, bot, SQLite, echo plugin, web
// client) against the sandbox, through a recording proxy that sees the order in which the requests
// reach the server. Before, the next synccheck was issued while the bot was still storing the
// message, and the server took it in before the reply.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWebTransport } from '../../src/protocol/index.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { plugin as echo } from '../../plugins/echo/index.js';
import { createConversation, type Conversation } from '../../src/testing/conversation.js';
import { startRecordingProxy, type RecordingProxy } from '../protocol/integration/proxy.js';
import { FAST } from '../helpers/fast.js';
import { testStoreKind } from '../helpers/store.js';

describe('a lone message’s reply and the next synccheck', () => {
  let sb: RunningSandbox | undefined;
  let proxy: RecordingProxy | undefined;
  let chat: Conversation | undefined;
  after(async () => {
    await chat?.close();
    await proxy?.close();
    await sb?.close();
  });

  // SQLite only: the reply goes within the turn because SQLite's COMMIT does; PostgreSQL's is a round trip after it.
  const skip = testStoreKind === 'postgres' && 'on PostgreSQL the COMMIT, and so the reply, comes after the turn';
  it('the reply reaches WeChat before the synccheck that follows the sync that brought the message, private and group', { skip }, async () => {
    sb = await startSandbox({ holdMs: 5000, autoScanMs: 10, autoConfirmMs: 10, contacts: 8, rooms: 2, roomSize: 4 });
    const up = sb;
    const st = await up.control.state(true);
    const acc = st.accounts[0]!;
    const room = acc.rooms[0]!;
    const member = room.members.find((m) => m.id !== acc.id)!.nickname;
    const p = (proxy = await startRecordingProxy(up.origin));
    chat = await createConversation({
      plugins: [echo],
      enable: ['echo'],
      from: acc.friends.find((f) => f.kind === 'friend')!.nickname,
      sandbox: { sandbox: up, selfName: acc.nickname, createTransport: () => createWebTransport({ endpoint: p.origin, ...FAST }) },
    });
    const texts = ['first alone', 'second alone', 'third alone'];
    for (const [i, text] of texts.entries()) {
      // Private and group in turn; each one alone in its sync, the client idle in a held synccheck.
      if (i % 2 === 0) await chat.shouldReply(text, text);
      else await chat.inRoom(room.topic, { from: member }).shouldReply(text, text);
    }
    for (const text of texts) {
      const sync = p.of('webwxsync').find((e) => e.answer.includes(text));
      const reply = p.of('webwxsendmsg').find((e) => e.body.includes(text));
      assert.ok(sync && reply, `the sync that brought "${text}" and its reply`);
      const pollFirst = p.of('synccheck').find((e) => e.startedAt > sync.startedAt && e.startedAt < reply.startedAt);
      assert.equal(pollFirst, undefined, `a synccheck reached the server before the reply to "${text}"`);
    }
  });
});
