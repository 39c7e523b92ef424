/**
 * The outbox on an iLink account (real AccountManager, Bot, SQLite, the iLink client over HTTP to a
 * scripted server): sends beyond the quota or outside the reply window wait, visibly, in order, for
 * the user's next message instead of being retried into refusals.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/account-manager.js';
import type { Bot } from '../../src/bot/bot.js';
import type { OutboundRecord } from '../../src/bot/types.js';
import type { Message } from '../../src/transport/model.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore, withStoreEnv } from '../helpers/store.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/logger.js';
import { UnsupportedError } from '../../src/transport/capabilities.js';
import { loadConfig } from '../../src/config.js';
import { OWNER, ScriptedServer, userText } from './helpers/scripted-server.js';
import { client, savedSession } from './helpers/clients.js';
import { waitUntil } from '../../src/testing/wait.js';

const SEND = 'ilink/bot/sendmessage';
const POLL = 'ilink/bot/getupdates';
const HOUR = 3_600_000;

describe('iLink outbox: waiting for the user', () => {
  let server: ScriptedServer;
  let dir: string;
  let store: Store;
  let manager: AccountManager;
  let clock: FakeClock;
  let bot: Bot;
  let userMessages = 0;

  before(async () => {
    server = await new ScriptedServer().start();
    server.on(SEND, () => ({ body: { ret: 0, errmsg: '' } }));
  });
  after(() => server.close());

  async function startAccount(maxHoldMs?: number): Promise<void> {
    manager = new AccountManager({
      ...(maxHoldMs !== undefined && { maxHoldMs }),
      store,
      log: silentLogger(),
      clock,
      createTransport: (id) => client(server, { clock, seen: store.seenKeys(id) }),
      pluginRegistry: new PluginRegistry([]),
      sendPacing: 'off',
      autoRelogin: false,
    });
    await manager.start('il');
    bot = manager.get('il')!;
    await waitUntil(() => bot.info().state === 'online', 10_000, 'the account online');
  }

  async function userWrites(text: string): Promise<void> {
    const before = userMessages;
    const off = bot.on('message', () => userMessages++);
    server.push(userText(1000 + before, text));
    await waitUntil(() => userMessages > before, 10_000, 'the user message');
    off();
  }

  const sentTexts = (): string[] => server.calls(SEND).map((r) => r.body.msg.item_list[0].text_item.text as string);
  const held = () => store.outbound.list('il', { status: 'waiting-for-user' });

  afterEach(async () => {
    await manager.stopAll();
    store.close();
    rmSync(dir, { recursive: true, force: true });
    server.requests.length = 0;
  });

  async function fresh(): Promise<void> {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-ilink-'));
    store = await openTestStore({ dataDir: dir });
    clock = new FakeClock(1_790_000_000_000);
    await store.accounts.create({ name: 'il', id: 'il' });
    await store.sessions.save('il', savedSession(server.origin));
    userMessages = 0;
    await startAccount();
  }

  it('12 sends after one user message: 10 go out, 2 wait (visible, with the reason), and go in order after the next user message', async () => {
    await fresh();
    await userWrites('hello');
    const recs: OutboundRecord[] = [];
    for (let i = 0; i < 12; i++) recs.push(await bot.send({ id: OWNER }, { type: 'text', text: `m${i}` }, { source: 'api' }));
    await waitUntil(async () => (await held()).length === 2, 10_000, 'two held messages');
    assert.equal(server.calls(SEND).length, 10);
    const waiting = (await held()).reverse();
    assert.deepEqual(
      waiting.map((r) => r.text),
      ['m10', 'm11'],
    );
    assert.match(waiting[0]!.error!.message, /10 of 10 sends/);
    assert.equal(typeof waiting[0]!.heldAt, 'number');
    assert.equal((await bot.outbound(recs[11]!.id))!.status, 'waiting-for-user');
    await userWrites('more please');
    await waitUntil(() => server.calls(SEND).length === 12, 10_000, 'the held messages sent');
    assert.deepEqual(
      sentTexts(),
      recs.map((_, i) => `m${i}`),
    );
    await waitUntil(async () => (await bot.outbound(recs[11]!.id))!.status === 'sent', 5000, 'the row marked sent');
    assert.equal((await held()).length, 0);
    // The two went out on the new message's token.
    assert.equal(server.calls(SEND).at(-1)!.body.msg.context_token, `ctx-1001`);
  });

  it('after 25 h a send waits, survives a restart, and is delivered once the user speaks', async () => {
    await fresh();
    await userWrites('hi');
    await clock.advance(25 * HOUR);
    const rec = await bot.send({ id: OWNER }, { type: 'text', text: 'late news' }, { source: 'api' });
    await waitUntil(async () => (await held()).length === 1, 10_000, 'the send held');
    assert.match((await held())[0]!.error!.message, /reply window closed/);
    assert.equal(server.calls(SEND).length, 0);
    await manager.stopAll();
    await startAccount();
    assert.equal((await held()).length, 1);
    await userWrites('I am back');
    await waitUntil(() => server.calls(SEND).length === 1, 10_000, 'the held message sent');
    assert.deepEqual(sentTexts(), ['late news']);
    await waitUntil(async () => (await bot.outbound(rec.id))!.status === 'sent', 5000, 'the row marked sent');
  });

  it('a copy of a stored message, replayed after the window closed, leaves the window closed (not even open while the copy is stored) and the held message held', async () => {
    await fresh();
    await userWrites('hi');
    await clock.advance(25 * HOUR);
    const rec = await bot.send({ id: OWNER }, { type: 'text', text: 'late news' }, { source: 'api' });
    await waitUntil(async () => (await held()).length === 1, 10_000, 'the send held');
    // A restarted client remembers no keys in memory, and the stored ones are older than the dedupe's day: only the
    // message's row knows this is a copy (a late redelivery, or a replay from a cursor saved before it).
    await manager.stopAll();
    await startAccount();
    const polls = server.calls(POLL).length;
    // What the panel would show as the client hands the copy over, before the store has said it is one.
    const shown: (boolean | undefined)[] = [];
    const off = bot.transport.on('message', () => shown.push(bot.info().replyWindow?.open));
    server.push(userText(1000, 'hi'));
    // The batch was handled once the client polls again after the poll that carried it; stored (or skipped) once idle.
    await waitUntil(() => server.calls(POLL).length >= polls + 2, 10_000, 'the copy handled');
    await bot.idle();
    off();
    assert.deepEqual(shown, [false], 'the copy did not open the window while it was being stored');
    const window = bot.info().replyWindow;
    assert.equal(window?.open, false, 'the user did not write again: the window stays closed');
    assert.equal(window?.closedBecause, 'expired');
    assert.equal((await held()).length, 1);
    assert.equal((await bot.outbound(rec.id))!.status, 'waiting-for-user');
    assert.equal(server.calls(SEND).length, 0);
    // A new message does open it, and the held message goes.
    await userWrites('I am back');
    await waitUntil(() => server.calls(SEND).length === 1, 10_000, 'the held message sent');
    assert.deepEqual(sentTexts(), ['late news']);
    assert.equal(bot.info().replyWindow?.open, true);
  });

  it('a message held longer than OUTBOX_HOLD_HOURS fails with the reason; the next user message sends nothing stale', async () => {
    await fresh();
    await manager.stopAll();
    const config = loadConfig(await withStoreEnv({ OUTBOX_HOLD_HOURS: '3' }), { envFile: false });
    await startAccount(config.outboxHoldMs);
    await userWrites('hi');
    await clock.advance(25 * HOUR);
    const rec = await bot.send({ id: OWNER }, { type: 'text', text: 'too late' }, { source: 'api' });
    await waitUntil(async () => (await held()).length === 1, 10_000, 'the send held');
    await clock.advance(2 * HOUR);
    assert.equal((await bot.outbound(rec.id))!.status, 'waiting-for-user', 'still within the limit');
    await clock.advance(HOUR + 1000);
    await waitUntil(async () => (await bot.outbound(rec.id))!.status === 'failed', 10_000, 'the held message failed');
    assert.match((await bot.outbound(rec.id))!.error!.message, /waited more than 3 h for the user to write again \(.*reply window closed/);
    assert.equal((await held()).length, 0);
    await userWrites('back');
    assert.equal(server.calls(SEND).length, 0, 'the expired message is not sent');
  });

  it('web-only sends on an iLink account are refused as unsupported, before anything is queued', async () => {
    await fresh();
    await assert.rejects(bot.send({ room: 'Family' }, { type: 'text', text: 'x' }), (e) => e instanceof UnsupportedError && e.capability === 'rooms');
    const msg = {
      id: '1',
      type: 'text',
      chatId: OWNER,
      senderId: OWNER,
      toId: 'b',
      isSelf: false,
      text: 'x',
      mentionsSelf: false,
      mentions: [],
      createdAt: 0,
    } satisfies Message;
    await assert.rejects(bot.send({ id: OWNER }, { type: 'forward', message: msg }), (e) => e instanceof UnsupportedError && e.capability === 'forward');
    assert.equal((await store.outbound.list('il')).length, 0);
  });
});
