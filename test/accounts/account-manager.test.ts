import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { AccountManager } from '../../src/accounts/account-manager.js';
import type { AccountState, BotEvent } from '../../src/bot/types.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { Composer, definePlugin } from '../../src/plugin.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import { FakeClock } from '../../src/util/clock.js';
import { plugin as echo } from '../../plugins/echo/index.js';
import { contact, FakeTransport } from '../../src/testing/fake-transport.js';
import { waitUntil } from '../../src/testing/conversation.js';

const upper = definePlugin({
  name: 'upper',
  description: 'answers in capitals; remembers the last text per account',
  config: z.object({ suffix: z.string().default('!') }),
  setup(api, config) {
    const c = new Composer();
    c.on('text', async (ctx) => {
      api.store.set('last', ctx.text);
      await ctx.reply(ctx.text.toUpperCase() + config.suffix);
    });
    api.use(c);
  },
});

function world(id: string): FakeTransport {
  return new FakeTransport({ self: { id: `@self-${id}`, name: `Bot ${id}` }, contacts: [contact('@alice', 'Alice')] });
}

describe('AccountManager: two accounts in one process', () => {
  let dir: string;
  let store: Store;
  let manager: AccountManager;
  const fakes = new Map<string, FakeTransport>();
  const events: BotEvent[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-am-'));
    store = await openTestStore({ dataDir: dir });
    manager = new AccountManager({
      store,
      log: silentLogger(),
      createTransport: (id) => {
        const f = world(id);
        fakes.set(id, f);
        return f;
      },
      pluginRegistry: new PluginRegistry([echo, upper]),
      sendPacing: 'off',
      botPlugins: ['echo'],
      autoRelogin: false,
    });
    manager.onEvent((e) => events.push(e));
  });
  after(async () => {
    await manager.stopAll();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps messages, plugins, settings and plugin stores apart', async () => {
    const a = await manager.add('first');
    const b = await manager.add('second');
    await waitUntil(() => a.info().state === 'online' && b.info().state === 'online');
    // Different plugin sets: A echoes (default), B runs only `upper` with its own config.
    await manager.plugins(b.id)!.disable('echo');
    await manager.plugins(b.id)!.enable('upper');
    await manager.plugins(b.id)!.configure('upper', { suffix: '?' });

    const fa = fakes.get(a.id)!;
    const fb = fakes.get(b.id)!;
    const seenA: string[] = [];
    const seenB: string[] = [];
    a.on('message', (m) => seenA.push(m.text));
    b.on('message', (m) => seenB.push(m.text));
    fa.receive({ from: '@alice', text: 'to a' });
    fb.receive({ from: '@alice', text: 'to b' });
    await Promise.all([manager.runtime(a.id)!.idle(), manager.runtime(b.id)!.idle()]);
    await Promise.all([a.queue.idle(), b.queue.idle()]);

    assert.deepEqual(seenA, ['to a']);
    assert.deepEqual(seenB, ['to b']);
    assert.deepEqual(
      fa.sent.map((s) => s.text),
      ['to a'],
    );
    assert.deepEqual(
      fb.sent.map((s) => s.text),
      ['TO B?'],
    );
    assert.deepEqual(
      (await store.messages.list(a.id)).items.map((m) => m.text),
      ['to a'],
    );
    assert.deepEqual(
      (await store.messages.list(b.id)).items.map((m) => m.text),
      ['to b'],
    );
    assert.deepEqual(
      manager
        .plugins(a.id)!
        .list()
        .filter((p) => p.enabled)
        .map((p) => p.name),
      ['echo'],
    );
    assert.deepEqual(
      manager
        .plugins(b.id)!
        .list()
        .filter((p) => p.enabled)
        .map((p) => p.name),
      ['upper'],
    );
    assert.deepEqual(
      manager
        .plugins(a.id)!
        .list()
        .find((p) => p.name === 'upper')!.config,
      { suffix: '!' },
    );
    assert.deepEqual(await store.pluginSettings.list(a.id), []);
    assert.equal(await store.kv.get(`plugin:upper:${b.id}`, 'last'), 'to b');
    assert.equal(await store.kv.get(`plugin:upper:${a.id}`, 'last'), undefined);
    assert.notEqual(a.transport, b.transport);

    const received = events.filter((e) => e.type === 'message.received');
    const byAccount = new Map(received.map((e) => [e.account, (e.data as { text: string }).text]));
    assert.equal(received.length, 2);
    assert.equal(byAccount.get(a.id), 'to a');
    assert.equal(byAccount.get(b.id), 'to b');
    assert.deepEqual(
      manager.list().map((i) => [i.name, i.state]),
      [
        ['first', 'online'],
        ['second', 'online'],
      ],
    );
  });

  it('remove() deletes an account and what was stored for it', async () => {
    const [, second] = manager.list();
    await manager.remove(second!.id);
    assert.equal(manager.get(second!.id), undefined);
    assert.deepEqual((await store.messages.list(second!.id)).items, []);
    assert.deepEqual(await store.pluginSettings.list(second!.id), []);
    assert.equal(manager.list().length, 1);
  });

  it('a refresh that read the rows before a removal does not bring the removed account back', async () => {
    const doomed = await manager.add('doomed');
    await waitUntil(() => doomed.info().state === 'online');
    // A coordinator round's refresh reads the rows (the account still among them), then waits (a busy store line) while remove() runs.
    const list = store.accounts.list.bind(store.accounts);
    let listed!: () => void;
    const rowsRead = new Promise<void>((r) => (listed = r));
    let resume!: () => void;
    const held = new Promise<void>((r) => (resume = r));
    store.accounts.list = async () => {
      const rows = await list();
      listed();
      await held;
      return rows;
    };
    try {
      const refreshing = manager.refresh();
      await rowsRead;
      await manager.remove(doomed.id);
      resume();
      await refreshing;
    } finally {
      store.accounts.list = list;
    }
    assert.equal(manager.get(doomed.id), undefined);
    assert.deepEqual(
      manager.list().map((i) => i.name),
      ['first'],
    );
  });
});

describe('AccountManager: login ladder, sessions and events', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-ladder-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('QR login → online; session saved; restart resumes from it; kick → logout event and a new login', async () => {
    const clock = new FakeClock(Date.UTC(2025, 0, 1));
    const store = await openTestStore({ dataDir: dir });
    const created: FakeTransport[] = [];
    const writerEvents: string[] = [];
    const mk = () =>
      new AccountManager({
        store,
        log: silentLogger(),
        clock,
        createTransport: () => {
          const f = new FakeTransport({ login: 'qr', contacts: [contact('@alice', 'Alice')], now: () => clock.now() });
          created.push(f);
          return f;
        },
        pluginRegistry: new PluginRegistry([echo]),
        sendPacing: 'off',
        botPlugins: ['echo'],
        reloginDelayMs: 1000,
        // Runs inside the same transaction as the stored event: a webhook outbox row would go here.
        eventWriters: [async (e) => void writerEvents.push(e.type)],
      });
    const m1 = mk();
    const bot = await m1.add('main');
    const states: AccountState[] = [];
    bot.on('state', (s) => states.push(s.state));
    await waitUntil(() => bot.info().state === 'waiting-scan');
    assert.ok(bot.info().qr?.text.includes('login.weixin.qq.com'));
    created[0]!.scan();
    assert.equal(bot.info().state, 'waiting-confirm');
    created[0]!.confirm();
    await waitUntil(() => bot.info().state === 'online');
    assert.deepEqual(await store.sessions.load(bot.id), { fake: true, self: '@self' });
    // Stored after the session's COMMIT (the account goes online first).
    await waitUntil(async () => (await store.accounts.get(bot.id))!.selfName === 'Bot', 5000, 'the own name stored');
    assert.ok(writerEvents.includes('account.login'));

    // stopAll finishes the in-flight reply and keeps the session for the next start.
    created[0]!.receive({ from: '@alice', text: 'hello' });
    await m1.runtime(bot.id)!.idle();
    await bot.queue.idle();
    await m1.stopAll();
    assert.deepEqual(
      created[0]!.sent.map((x) => x.text),
      ['hello'],
    );
    assert.equal(bot.info().state, 'stopped');
    assert.deepEqual(await store.sessions.load(bot.id), { fake: true, self: '@self' });

    // Restart: the saved session is handed to the transport; no QR needed.
    const m2 = mk();
    await m2.startAll();
    const bot2 = m2.get(bot.id)!;
    await waitUntil(() => bot2.info().state === 'online');
    const t2 = created.at(-1)!;
    assert.deepEqual(t2.startCalls[0]!.session, { fake: true, self: '@self' });
    assert.equal(t2.startCalls[0]!.pushLogin, true);
    assert.deepEqual(
      m2
        .plugins(bot2.id)!
        .list()
        .filter((p) => p.enabled)
        .map((p) => p.name),
      ['echo'],
    );

    // Kicked by another login: account.logout event, then a new login attempt on a fresh transport.
    const logouts: BotEvent[] = [];
    m2.onEvent((e) => e.type === 'account.logout' && logouts.push(e));
    t2.kick('kicked', 1101);
    assert.equal(bot2.info().state, 'logged-out');
    assert.match(bot2.info().detail ?? '', /kicked/);
    await waitUntil(() => logouts.length === 1, 5000, 'the account.logout event, published once committed');
    assert.deepEqual(logouts[0]!.data, { reason: 'kicked', code: 1101 });
    const before = created.length;
    await clock.advance(1000);
    await waitUntil(() => created.length === before + 1);
    const t3 = created.at(-1)!;
    await waitUntil(() => t3.startCalls.length > 0, 5000, 'the new transport started (after reading the saved session)');
    // Saved session first (the transport then walks push login → QR).
    assert.deepEqual(t3.startCalls[0]!.session, { fake: true, self: '@self' });
    await waitUntil(() => bot2.info().state === 'online');

    // Logged out on the phone: the session is forgotten.
    t3.kick('phone-logout', 1100);
    await waitUntil(async () => (await store.sessions.load(bot.id)) === undefined, 5000, 'the session forgotten');
    await m2.stopAll();
    store.close();
  });

  it('stopAll() waits for the send in flight and leaves the rest queued for the next start', async () => {
    const d = mkdtempSync(join(tmpdir(), 'weiroto-stop-'));
    const store = await openTestStore({ dataDir: d });
    const f = new FakeTransport();
    f.sendDelayMs = 100;
    const m = new AccountManager({ store, log: silentLogger(), createTransport: () => f, pluginRegistry: new PluginRegistry([]), sendPacing: 'off' });
    const bot = await m.add();
    await waitUntil(() => bot.info().state === 'online');
    const r1 = await bot.send({ id: '@alice' }, { type: 'text', text: 'one' });
    const r2 = await bot.send({ id: '@alice' }, { type: 'text', text: 'two' });
    await waitUntil(async () => (await bot.queue.get(r1.id))!.status === 'sending');
    await m.stopAll();
    assert.equal((await store.outbound.get(r1.id))!.status, 'sent');
    assert.equal((await store.outbound.get(r2.id))!.status, 'queued');
    assert.deepEqual(
      f.sent.map((s) => s.text),
      ['one'],
    );
    store.close();
    rmSync(d, { recursive: true, force: true });
  });

  it('logout() forgets the session and reports logged-out (requested)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'weiroto-logout-'));
    const store = await openTestStore({ dataDir: d });
    const f = new FakeTransport();
    const m = new AccountManager({ store, log: silentLogger(), createTransport: () => f, pluginRegistry: new PluginRegistry([]), sendPacing: 'off' });
    const bot = await m.add();
    await waitUntil(() => bot.info().state === 'online');
    assert.ok(await store.sessions.load(bot.id));
    await m.logout(bot.id);
    assert.equal(await store.sessions.load(bot.id), undefined);
    assert.equal(bot.info().state, 'logged-out');
    assert.equal(bot.info().detail, 'requested');
    await m.stopAll();
    store.close();
    rmSync(d, { recursive: true, force: true });
  });
});
