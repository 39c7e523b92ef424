/**
 * The iLink client against the iLink sandbox over real HTTP (the fake server of ilink.md §9):
 * login with its statuses, restart without a scan, echo through the real AccountManager + Bot +
 * plugins, every fault recovered with each message answered once, -14, the window and the quota,
 * media byte-exact through the AES layer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import type { IlinkControl } from '../../src/sandbox/index.js';
import type { IlinkTransport, IlinkTransportOptions } from '../../src/ilink/index.js';
import { AccountManager } from '../../src/accounts/account-manager.js';
import type { Bot } from '../../src/bot/bot.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import type { Message } from '../../src/transport/model.js';
import { waitUntil } from '../../src/testing/wait.js';
import { SANDBOX_TUNING, accountClient } from './helpers/clients.js';

const HOUR = 3_600_000;
const FAST_TUNING = { ...SANDBOX_TUNING, sendRetryMs: 10 };

function ilinkClient(sb: RunningSandbox, o: Partial<IlinkTransportOptions> = {}): IlinkTransport {
  return accountClient(sb.origin, { tuning: FAST_TUNING, ...o });
}

const texts = (items: { type: string; text?: string }[]): string => items.map((i) => i.text ?? `[${i.type}]`).join('');

describe('iLink client against the sandbox: login', () => {
  let sb: RunningSandbox;
  let il: IlinkControl;
  before(async () => {
    sb = await startSandbox({ ilink: { pollHoldMs: 300, longPollTimeoutMs: 1000 } });
    il = sb.ilink.control;
  });
  after(() => sb.close());

  it('QR: scanned, a wrong verify code asked again, the right one accepted, confirmed; the owner is the one contact', async () => {
    const t = ilinkClient(sb);
    const asks: boolean[] = [];
    let scanned = 0;
    t.on('scanned', () => scanned++);
    t.on('qr', (qr) => void il.scan({ qrcode: qr.id, verify: true }));
    t.on('verify-code', ({ qrId, retry }) => {
      asks.push(retry);
      if (!retry) return t.submitVerifyCode('000000');
      void il.state().then((s) => {
        const code = s.qrcodes.find((q) => q.qrcode === qrId)!.verifyCode!;
        t.submitVerifyCode(code);
        // The phone confirms once the code was accepted.
        void waitUntil(() => scanned > 0, 10_000, 'the scan')
          .then(() => waitUntil(() => asks.length === 2, 10_000))
          .then(async () => {
            for (;;) {
              try {
                await il.confirm({ qrcode: qrId });
                return;
              } catch {
                await new Promise((r) => setTimeout(r, 20));
              }
            }
          });
      });
    });
    await t.start();
    try {
      assert.deepEqual(asks, [false, true]);
      assert.equal(scanned, 1);
      const st = await il.state();
      const bot = st.bots.find((b) => b.id === t.self!.id)!;
      assert.ok(bot.alive);
      assert.equal(t.contacts()[0]!.id, bot.user);
    } finally {
      await t.stop();
    }
  });

  it('an expired QR is replaced by a new one, which can be confirmed', async () => {
    const t = ilinkClient(sb);
    const qrs: string[] = [];
    t.on('qr', (qr) => {
      qrs.push(qr.id);
      if (qrs.length === 1) void il.advanceClock(10 * 60_000);
      else void il.confirm({ qrcode: qr.id });
    });
    await t.start();
    await t.stop();
    assert.equal(qrs.length, 2);
    const st = await il.state();
    assert.equal(st.qrcodes.find((q) => q.qrcode === qrs[0])!.status, 'expired');
  });
});

describe('iLink account against the sandbox (AccountManager, Bot, echo plugin, SQLite)', () => {
  let sb: RunningSandbox;
  let il: IlinkControl;
  let dir: string;
  let store: Store;
  let manager: AccountManager;
  let bot: Bot;

  async function startManager(): Promise<void> {
    manager = new AccountManager({
      store,
      log: silentLogger(),
      createTransport: (id) => ilinkClient(sb, { seen: store.seenKeys(id) }),
      pluginRegistry: await PluginRegistry.load(),
      sendPacing: 'off',
      botPlugins: ['echo'],
      autoRelogin: false,
      retry: { rateLimited: { baseMs: 20, maxMs: 100, maxAttempts: 6 }, network: { baseMs: 20, maxMs: 100, maxAttempts: 5 } },
    });
    await manager.start('il');
    bot = manager.get('il')!;
    await waitUntil(() => bot.info().state === 'online', 20_000, 'the iLink account online');
  }

  before(async () => {
    sb = await startSandbox({ ilink: { pollHoldMs: 300, longPollTimeoutMs: 1000, autoConfirmMs: 10 } });
    il = sb.ilink.control;
    dir = mkdtempSync(join(tmpdir(), 'weiroto-ilink-sb-'));
    store = await openTestStore({ dataDir: dir });
    await store.accounts.create({ name: 'il', id: 'il' });
    await startManager();
  });
  after(async () => {
    await manager.stopAll();
    await sb.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The owner writes `text`; resolves with the bot's delivered answers that echo it. */
  async function echoOf(text: string, since?: number): Promise<number> {
    const from = since ?? (await il.sent()).next;
    await il.sendMessage({ text });
    await il.waitForSent((m) => m.decision === 'delivered' && texts(m.items) === text, { since: from, timeoutMs: 15_000 });
    return from;
  }

  it('echo: the owner writes, the bot answers with the same text on the latest context token', async () => {
    const since = await echoOf('hello bot');
    const sent = (await il.sent(since)).messages.filter((m) => texts(m.items) === 'hello bot');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.decision, 'delivered');
  });

  it('restart without a scan: the saved token and cursor resume, no QR, nothing answered twice', async () => {
    const before = (await il.state()).qrcodes.length;
    await echoOf('before restart');
    await manager.stopAll();
    await startManager();
    assert.equal((await il.state()).qrcodes.length, before, 'no new QR');
    const since = await echoOf('after restart');
    await new Promise((r) => setTimeout(r, 300));
    const all = (await il.sent(since)).messages.map((m) => texts(m.items));
    assert.deepEqual(all, ['after restart']);
  });

  it('every transport and duplicate fault is recovered, each message answered exactly once', async () => {
    const start = (await il.sent()).next;
    const cases: { kind: Parameters<IlinkControl['fault']>[0]['kind']; endpoint?: string; ms?: number }[] = [
      { kind: 'http-524', endpoint: 'getupdates', ms: 10 },
      { kind: 'timeout', endpoint: 'getupdates', ms: 2500 },
      { kind: 'reset', endpoint: 'getupdates' },
      { kind: 'garbage', endpoint: 'getupdates' },
      { kind: 'reset', endpoint: 'sendmessage' },
      { kind: 'garbage', endpoint: 'sendmessage' },
      { kind: 'http-524', endpoint: 'sendmessage', ms: 10 },
      { kind: 'duplicate' },
      { kind: 'duplicate-new-id' },
      { kind: 'duplicate-no-id' },
      { kind: 'ret-2-rate' },
    ];
    const expected: string[] = [];
    for (const c of cases) {
      await il.fault({ ...c, count: 1 });
      const text = `after ${c.kind} on ${c.endpoint ?? 'any'}`;
      expected.push(text);
      await echoOf(text);
    }
    await il.fault({ kind: 'late-redelivery' });
    const late = `after late-redelivery`;
    expected.push(late);
    await echoOf(late);
    await new Promise((r) => setTimeout(r, 500));
    const delivered = (await il.sent(start)).messages.filter((m) => m.decision === 'delivered').map((m) => texts(m.items));
    assert.deepEqual(delivered, expected, 'each message answered exactly once, in order');
  });

  it('-3 and an empty 200 fail the send with the reason; the next message is answered', async () => {
    for (const kind of ['ret-3', 'empty-200'] as const) {
      await il.fault({ kind, count: 1 });
      const failed = new Promise<string>((resolve) => {
        const off = bot.on('message-sent', (r) => {
          if (r.status !== 'failed') return;
          off();
          resolve(r.error!.message);
        });
      });
      await il.sendMessage({ text: `lost to ${kind}` });
      const why = await failed;
      assert.match(why, kind === 'ret-3' ? /WeChat refused the message: .* \(ret -3\)/ : /empty body; WeChat did not deliver/);
      await echoOf(`fine after ${kind}`);
    }
  });

  it('12 API sends after one user message: 10 delivered, the rest after the next user message', async () => {
    await manager.plugins('il')!.disable('echo');
    const since = (await il.sent()).next;
    const got: Message[] = [];
    const off = bot.on('message', (m) => got.push(m));
    await il.sendMessage({ text: 'open the window' });
    await waitUntil(() => got.length === 1, 15_000, 'the user message');
    const owner = got[0]!.chatId;
    for (let i = 0; i < 12; i++) await bot.send({ id: owner }, { type: 'text', text: `n${i}` }, { source: 'api' });
    await waitUntil(async () => (await store.outbound.list('il', { status: 'waiting-for-user' })).length === 2, 15_000, 'two held');
    let sent = (await il.sent(since)).messages;
    assert.equal(sent.length, 10);
    await il.sendMessage({ text: 'go on' });
    await waitUntil(async () => (await store.outbound.list('il', { status: 'waiting-for-user' })).length === 0, 15_000, 'none held');
    await il.waitForSent((m) => texts(m.items) === 'n11', { since, timeoutMs: 15_000 });
    off();
    await manager.plugins('il')!.enable('echo');
    sent = (await il.sent(since)).messages;
    assert.deepEqual(
      sent.map((m) => texts(m.items)),
      Array.from({ length: 12 }, (_, i) => `n${i}`),
    );
    assert.ok(
      sent.every((m) => m.decision === 'delivered'),
      'nothing refused: no retry into the wall',
    );
  });

  it('after 25 h of the fake clock a send waits and is delivered once the user speaks', async () => {
    await echoOf('fresh turn');
    await il.advanceClock(25 * HOUR);
    const owner = bot.directory.contacts().find((c) => c.kind !== 'self')!.id;
    const rec = await bot.send({ id: owner }, { type: 'text', text: 'a day later' }, { source: 'api' });
    await waitUntil(async () => (await bot.outbound(rec.id))?.status === 'waiting-for-user', 15_000, 'the send held');
    const since = (await il.sent()).next;
    await il.sendMessage({ text: 'hello again' });
    await il.waitForSent((m) => texts(m.items) === 'hello again' && m.decision === 'delivered', { since, timeoutMs: 15_000 });
    const after = (await il.sent(since)).messages.map((m) => [texts(m.items), m.decision]);
    assert.deepEqual(after, [
      ['a day later', 'delivered'],
      ['hello again', 'delivered'],
    ]);
  });

  it('media both ways, byte-exact through the AES layer', async () => {
    const got: Message[] = [];
    const off = bot.on('message', (m) => got.push(m));
    const img = randomBytes(20_000);
    const file = randomBytes(3_333);
    const voice = randomBytes(2_000);
    await il.sendMessage({ image: img.toString('base64') });
    await il.sendMessage({ file: file.toString('base64'), fileName: 'report.bin' });
    await il.sendMessage({ voice: voice.toString('base64'), transcript: 'call me later', playtime: 2000 });
    await waitUntil(() => got.length >= 3, 15_000, 'three media messages');
    off();
    const [gi, gf, gv] = got;
    assert.deepEqual(await bot.transport.download(gi!), img);
    assert.deepEqual(await bot.transport.download(gf!), file);
    assert.equal(gv!.type, 'voice');
    assert.equal(gv!.text, 'call me later');
    const silk = await bot.transport.download(gv!);
    assert.ok(silk.length > 0);
    const owner = gi!.chatId;
    const since = (await il.sent()).next;
    const out = randomBytes(12_345);
    await il.sendMessage({ text: 'send me a file' });
    const rec = await bot.send({ id: owner }, { type: 'image', file: { name: 'x.png', data: out, mimeType: 'image/png' } }, { source: 'api' });
    const done = await bot.waitFor(rec.id, 15_000);
    assert.equal(done.status, 'sent', done.error?.message);
    const entry = await il.waitForSent((m) => m.items[0]?.type === 'image', { since, timeoutMs: 15_000 });
    assert.equal(entry.decision, 'delivered');
    assert.deepEqual(await il.media(entry.items[0]!.media!), out);
  });

  it('-14: the account needs a scan at once, with the reason; no later call carries the dead token', async () => {
    const logouts: string[] = [];
    let afterLogout: Promise<number> | undefined;
    bot.on('logout', (l) => {
      logouts.push(l.reason);
      afterLogout = il.calls().then((c) => c.next);
    });
    const { next } = await il.calls();
    await il.fault({ kind: 'stale-14' });
    await waitUntil(() => logouts.length === 1, 15_000, 'the logout');
    assert.equal(logouts[0], 'token-expired');
    assert.equal(bot.info().state, 'logged-out');
    assert.match(bot.info().detail ?? '', /-14/);
    await waitUntil(async () => (await store.sessions.load('il')) === undefined, 10_000, 'the dead session forgotten');
    // Sends wait in the queue (not the message's fault), and nothing reaches the server.
    await bot.send({ id: bot.directory.contacts().find((c) => c.kind !== 'self')!.id }, { type: 'text', text: 'while dead' }, { source: 'api' });
    await new Promise((r) => setTimeout(r, 500));
    // At most the one call that learnt of the death carried the dead token; none after the logout.
    const dead = (await il.calls(next)).calls.filter((c) => c.deadToken);
    assert.ok(dead.length <= 1, `dead-token calls: ${dead.map((c) => c.endpoint).join(', ')}`);
    const later = (await il.calls(await afterLogout!)).calls;
    assert.deepEqual(
      later.filter((c) => c.deadToken).map((c) => c.endpoint),
      [],
      'no call with the dead token after the logout',
    );
  });
});
