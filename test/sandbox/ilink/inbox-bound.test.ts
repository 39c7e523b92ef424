import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { ownerSends } from '../../../src/sandbox/ilink/inbound.js';
import { api, login, type Login } from './raw.js';

// The bot's inbox is bounded in memory without losing what a client has not fetched yet.
describe('iLink sandbox: the inbox stays bounded and loses nothing a client still needs', () => {
  let sb: RunningSandbox;
  let me: Login;
  before(async () => {
    sb = await startSandbox({ ilink: { pollHoldMs: 50 } });
    me = await login(sb.origin, (qrcode) => sb.ilink.control.confirm({ qrcode }));
  });
  after(() => sb.close());

  const drain = async (cursor: string): Promise<{ seqs: number[]; cursor: string }> => {
    const j = (await api(sb.origin, 'getupdates', me.token, { get_updates_buf: cursor })).json();
    return { seqs: ((j.msgs ?? []) as { seq: number }[]).map((m) => m.seq), cursor: j.get_updates_buf as string };
  };

  for (const mode of ['server-ack', 'cursor-replay'] as const) {
    it(`${mode}: 6000 messages between polls all arrive, in order; the inbox is trimmed afterwards`, async () => {
      await sb.ilink.control.setSwitches({ cursorMode: mode });
      let { cursor } = await drain('');
      const bot = sb.ilink.state.bots.get(me.botId)!;
      const first = bot.seq + 1;
      for (let i = 0; i < 6000; i++) ownerSends(sb.ilink.state, { text: `m${i}` });
      const r = await drain(cursor);
      cursor = r.cursor;
      assert.equal(r.seqs.length, 6000);
      assert.deepEqual(
        r.seqs,
        Array.from({ length: 6000 }, (_, i) => first + i),
      );
      for (let i = 0; i < 10; i++) ownerSends(sb.ilink.state, { text: `n${i}` });
      assert.equal((await drain(cursor)).seqs.length, 10);
      assert.ok(bot.inbox.length <= 4001, `inbox trimmed (${bot.inbox.length})`);
    });
  }
});
