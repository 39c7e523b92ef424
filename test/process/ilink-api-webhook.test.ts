// The HTTP API and webhooks for an iLink account, wired exactly as `weiroto start` does (startServer)
// against the web and iLink sandboxes: an account is added over the API with `transport: "ilink"`,
// the owner confirms on the phone, and the same request and event shapes serve both kinds; the
// `transport` field tells them apart. A web-only call on the iLink account answers 422 unsupported.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { Receiver } from '../webhook/receiver.js';
import { waitUntil } from '../../src/testing/wait.js';
import { RecordingClock } from '../helpers/recording-clock.js';
import { withStoreEnv } from '../helpers/store.js';

const TOKEN = 'tok_ilink_api_test_0123456789';
/** `?wait=` of the sends that must not sit it out: a length no other wait in the server has. */
const WAIT_MS = 61_234;

describe('API and webhooks on an iLink account (startServer)', () => {
  let sb: RunningSandbox;
  let server: RunningServer;
  // "Answered at once" is shown by the waits themselves (none of WAIT_MS ran out), not by a stopwatch.
  const clock = new RecordingClock();
  const hooks = new Receiver();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of several shapes
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const form = body instanceof FormData;
    const res = await fetch(server.url + '/api/v1' + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined && !form && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: form ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  // Set by the first test, used by the next ones (they run in order).
  let webId = '';
  let ilinkId = '';
  let ownerId = '';

  before(async () => {
    await hooks.start();
    sb = await startSandbox({ holdMs: 300, contacts: 4, rooms: 1, roomSize: 3, rateLimits: false, ilink: { pollHoldMs: 300, longPollTimeoutMs: 300 } });
    const config = loadConfig(
      await withStoreEnv({
        PORT: '0',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'w-ilink-api-')),
        BOT_PLUGINS: 'echo',
        SEND_PACING: 'off',
        WECHAT_ENDPOINT: sb.origin,
        ILINK_BASE_URL: sb.origin,
        WEBHOOK_URL: hooks.url,
        API_TOKEN: TOKEN,
        // The waits below poll GET /accounts every 5 ms: with the default budget (60, then 10/s) a login slower than
        // 0.3 s left the next request a 429. Rate limiting has its own tests (webhooks and API through startServer).
        API_RATE_BURST: '100000',
        API_RATE_PER_SEC: '100000',
      }),
      { envFile: false },
    );
    server = await startServer({ config, log: silentLogger(), startAccounts: false, clock });
  });
  after(async () => {
    await server?.close();
    await sb?.close();
    await hooks.stop();
  });

  it('adds an iLink account over the API; reading, sending, webhooks and refusals keep their shapes', async () => {
    const bad = await api('POST', '/accounts', { transport: 'telegram' });
    assert.equal(bad.status, 422);
    assert.match(bad.body.error.message, /transport: "web" or "ilink"/);

    const web = await api('POST', '/accounts', { name: 'w' });
    assert.equal(web.status, 201);
    assert.equal(web.body.transport, 'web');
    const created = await api('POST', '/accounts', { name: 'bot', transport: 'ilink' });
    assert.equal(created.status, 201);
    assert.equal(created.body.transport, 'ilink');
    const id = created.body.id as string;
    webId = web.body.id as string;
    ilinkId = id;

    const il = sb.ilink.control;
    await waitUntil(async () => (await il.state()).qrcodes.length > 0, 15_000, 'an iLink QR');
    await il.confirm({});
    await waitUntil(async () => (await api('GET', `/accounts/${id}`)).body.state === 'online', 15_000, 'online');

    // Before the owner writes: bound user known, window closed (not yet).
    const owner = (await il.state()).users[0]!;
    ownerId = owner.id;
    let acc = (await api('GET', `/accounts/${id}`)).body;
    assert.equal(acc.owner.id, owner.id);
    assert.equal(acc.replyWindow.open, false);
    assert.equal(acc.replyWindow.closedBecause, 'not-yet');

    await il.sendMessage({ text: 'hi bot' });
    await il.waitForSent((m) => m.items.some((i) => i.text === 'hi bot'), { timeoutMs: 15_000 });
    await waitUntil(async () => (await api('GET', `/accounts/${id}`)).body.replyWindow?.quotaLeft === 9, 15_000, 'the quota after the echo');
    acc = (await api('GET', `/accounts/${id}`)).body;
    assert.equal(acc.replyWindow.open, true);
    assert.equal(acc.replyWindow.quota, 10);
    assert.ok(acc.replyWindow.remainingMs > 23 * 3_600_000 && acc.replyWindow.remainingMs <= 24 * 3_600_000);

    // The list names both kinds.
    const list = (await api('GET', '/accounts')).body.items as { id: string; transport: string }[];
    assert.deepEqual(list.map((a) => a.transport).sort(), ['ilink', 'web']);

    // Sending over the API: the same request shape as for a web account.
    const sent = await api('POST', `/accounts/${id}/messages?wait=true`, { to: { id: owner.id }, text: 'from the api' });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.status, 'sent');
    await il.waitForSent((m) => m.items.some((i) => i.text === 'from the api'), { timeoutMs: 15_000 });

    // A web-only call: 422 unsupported, naming the capability.
    const rooms = await api('GET', `/accounts/${id}/rooms`);
    assert.equal(rooms.status, 422);
    assert.equal(rooms.body.error.code, 'unsupported');
    assert.match(JSON.stringify(rooms.body), /rooms/);

    // Webhooks: the same `{type, timestamp, account, data}` plus `transport`.
    await hooks.waitFor(() => hooks.unique().some((r) => r.json.type === 'message.received' && r.json.account === id));
    const received = hooks.unique().find((r) => r.json.type === 'message.received' && r.json.account === id)!;
    assert.deepEqual(Object.keys(received.json).sort(), ['account', 'data', 'timestamp', 'transport', 'type']);
    assert.equal((received.json as { transport?: string }).transport, 'ilink');
    assert.equal(received.json.data?.text, 'hi bot');
    await hooks.waitFor(() => hooks.unique().some((r) => r.json.type === 'message.sent' && r.json.account === id));
    const webEvent = hooks.unique().find((r) => r.json.account === web.body.id);
    if (webEvent) assert.equal((webEvent.json as { transport?: string }).transport, 'web');

    // The verify-code call refuses when no code is asked for.
    const code = await api('POST', `/accounts/${id}/verify-code`, { code: '123456' });
    assert.equal(code.status, 409);
  });

  /** The first webhook body of `type` for `account`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- webhook bodies of several shapes
  type Body = { type: string; account: string; transport?: string; data: any };
  const eventOf = async (type: string, account: string, pred: (data: Body['data']) => boolean = () => true): Promise<Body> => {
    const find = () => hooks.unique().find((r) => r.json.type === type && r.json.account === account && pred(r.json.data));
    await hooks.waitFor(() => find() !== undefined);
    return find()!.json as Body;
  };
  const keys = (o: object | null | undefined): string[] => Object.keys(o ?? {}).sort();
  /** The same envelope and the same `data` fields on both kinds of account; `transport` tells them apart. */
  const sameShape = (web: Body, ilink: Body, what: string): void => {
    assert.deepEqual(keys(ilink), keys(web), `${what}: envelope`);
    assert.deepEqual([web.transport, ilink.transport], ['web', 'ilink'], `${what}: transport`);
    assert.deepEqual(keys(ilink.data), keys(web.data), `${what}: data fields`);
  };

  it('every event an iLink account raises, and the send API (text, image, file), have the web shapes', async () => {
    const il = sb.ilink.control;
    // The web account logs in; a friend writes and the echo answers, as the owner did on iLink.
    await sb.control.scan();
    await sb.control.confirm();
    await waitUntil(async () => (await api('GET', `/accounts/${webId}`)).body.state === 'online', 15_000, 'the web account online');
    const friend = (await sb.control.state(true)).accounts[0]!.friends.find((f) => f.kind === 'friend')!;
    await sb.control.sendMessage({ from: friend.nickname, text: 'hi web' });

    sameShape(await eventOf('account.login', webId), await eventOf('account.login', ilinkId), 'account.login');
    sameShape(
      await eventOf('message.received', webId, (d) => d.text === 'hi web'),
      await eventOf('message.received', ilinkId, (d) => d.text === 'hi bot'),
      'message.received',
    );
    sameShape(
      await eventOf('message.sent', webId, (d) => d.text === 'hi web'),
      await eventOf('message.sent', ilinkId, (d) => d.text === 'hi bot'),
      'message.sent',
    );

    // The send API: the same requests, the same answers.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const upload = (to: string, name: string, type: string, data: Buffer): FormData => {
      const f = new FormData();
      f.set('to', JSON.stringify({ id: to }));
      f.set('file', new Blob([data], { type }), name);
      return f;
    };
    const webTo = friend.id;
    const { next } = await il.sent();
    for (const [what, body] of [
      ['text', (to: string) => ({ to: { id: to }, text: 'api text' })],
      ['image', (to: string) => upload(to, 'dot.png', 'image/png', png)],
      ['file', (to: string) => upload(to, 'notes.txt', 'text/plain', Buffer.from('some notes'))],
    ] as const) {
      const w = await api('POST', `/accounts/${webId}/messages?wait=true`, body(webTo));
      const i = await api('POST', `/accounts/${ilinkId}/messages?wait=true`, body(ownerId));
      assert.deepEqual([w.status, i.status], [200, 200], `${what}: ${JSON.stringify([w.body, i.body])}`);
      assert.deepEqual(keys(i.body), keys(w.body), `${what}: the answer's fields`);
      assert.deepEqual([w.body.status, i.body.status, w.body.type, i.body.type], ['sent', 'sent', what, what]);
      sameShape(
        await eventOf('message.sent', webId, (d) => d.id === w.body.id),
        await eventOf('message.sent', ilinkId, (d) => d.id === i.body.id),
        `message.sent (${what})`,
      );
    }
    const delivered = (await il.sent(next)).messages.filter((m) => m.decision === 'delivered');
    assert.deepEqual(
      delivered.map((m) => m.items[0]!.type),
      ['text', 'image', 'file'],
      'each reached the owner as its kind',
    );

    // The token dies (-14): account.logout with the reason, shaped as a web logout.
    await il.fault({ kind: 'stale-14', user: ownerId });
    const ilinkOut = await eventOf('account.logout', ilinkId);
    await sb.control.phoneLogout({});
    const webOut = await eventOf('account.logout', webId);
    sameShape(webOut, ilinkOut, 'account.logout');
    assert.match(JSON.stringify(ilinkOut.data), /-14|stale|expired|session/i, 'the reason names the dead token');
    await waitUntil(async () => (await api('GET', `/accounts/${ilinkId}`)).body.state !== 'online', 15_000, 'the iLink account logged out');
  });

  it('the window and the quota through the API: 12 sends after one user message, 10 go, 2 wait for the next; after 25 h a send waits for the user', async () => {
    const il = sb.ilink.control;
    const HOUR = 3_600_000;
    const known = new Set((await il.state()).qrcodes.map((q) => q.qrcode));
    const id = (await api('POST', '/accounts', { name: 'window', transport: 'ilink' })).body.id as string;
    let qrcode = '';
    await waitUntil(async () => !!(qrcode = (await il.state()).qrcodes.find((q) => !known.has(q.qrcode))?.qrcode ?? ''), 15_000, 'its QR');
    // A second owner (one WeChat user binds one bot).
    const user = (await il.confirm({ qrcode, user: 'new' })).user!;
    await waitUntil(async () => (await api('GET', `/accounts/${id}`)).body.state === 'online', 15_000, 'online');
    assert.equal((await api('PUT', `/accounts/${id}/plugins/echo`, { enabled: false })).status, 200, 'no echo: every send below is an API send');

    const delivered = async (since: number) => (await il.sent(since)).messages.filter((m) => m.to === user && m.decision === 'delivered');
    const refused = async (since: number) => (await il.sent(since)).messages.filter((m) => m.to === user && m.decision === 'refused');
    const held = async () =>
      (await api('GET', `/accounts/${id}/outbound?status=waiting-for-user`)).body.items as { id: string; text: string; error: { message: string } }[];
    const userWrites = async (text: string) => {
      const before = (await api('GET', `/accounts/${id}/messages`)).body.items.length as number;
      await il.sendMessage({ text, user });
      await waitUntil(async () => (await api('GET', `/accounts/${id}/messages`)).body.items.length > before, 15_000, `"${text}" stored`);
    };

    await userWrites('hello');
    const { next } = await il.sent();
    const answers: { status: number; body: { id: string; status: string } }[] = [];
    for (let i = 0; i < 12; i++) answers.push(await api('POST', `/accounts/${id}/messages?wait=${WAIT_MS}`, { to: { id: user }, text: `m${i}` }));
    assert.deepEqual(clock.ranOut(WAIT_MS), [], 'the held sends answered at once: no wait ran out');
    assert.deepEqual(
      answers.map((a) => `${a.status} ${a.body.status}`),
      [...Array(10).fill('200 sent'), '202 waiting-for-user', '202 waiting-for-user'],
    );
    assert.deepEqual(
      (await delivered(next)).map((m) => m.items[0]!.text),
      answers.slice(0, 10).map((_, i) => `m${i}`),
    );
    assert.equal((await refused(next)).length, 0, 'weiroto held the two itself instead of sending into the quota');
    const waiting = await held();
    assert.deepEqual(waiting.map((r) => r.text).sort(), ['m10', 'm11']);
    assert.match(waiting[0]!.error.message, /10 of 10 sends/);
    assert.equal((await api('GET', `/accounts/${id}`)).body.replyWindow.quotaLeft, 0);

    await userWrites('go on');
    await waitUntil(async () => (await delivered(next)).length === 12, 15_000, 'the two held sends delivered');
    assert.deepEqual(
      (await delivered(next)).map((m) => m.items[0]!.text),
      answers.map((_, i) => `m${i}`),
      'in order, each once',
    );
    assert.deepEqual(await held(), []);
    assert.equal((await api('GET', `/accounts/${id}/outbound/${answers[11]!.body.id}`)).body.status, 'sent');

    // 25 h later the window is closed: the send waits, visibly, until the user speaks.
    await il.advanceClock(25 * HOUR);
    const { next: late } = await il.sent();
    const waits = await api('POST', `/accounts/${id}/messages?wait=${WAIT_MS}`, { to: { id: user }, text: 'a day later' });
    assert.deepEqual(clock.ranOut(WAIT_MS), [], 'answered at once: the wait did not run out');
    assert.deepEqual([waits.status, waits.body.status], [202, 'waiting-for-user']);
    assert.match((await held())[0]!.error.message, /reply window closed/);
    assert.equal((await refused(late)).length, 1, 'WeChat said no once (-2), and weiroto stopped asking');
    await userWrites('back again');
    await waitUntil(async () => (await api('GET', `/accounts/${id}/outbound/${waits.body.id}`)).body.status === 'sent', 15_000, 'the late send delivered');
    assert.deepEqual(
      (await delivered(late)).map((m) => m.items[0]!.text),
      ['a day later'],
    );
  });
});
