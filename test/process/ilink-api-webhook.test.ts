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

const TOKEN = 'tok_ilink_api_test_0123456789';

describe('API and webhooks on an iLink account (startServer)', () => {
  let sb: RunningSandbox;
  let server: RunningServer;
  const hooks = new Receiver();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of several shapes
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(server.url + '/api/v1' + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  before(async () => {
    await hooks.start();
    sb = await startSandbox({ holdMs: 300, contacts: 4, rooms: 1, roomSize: 3, rateLimits: false, ilink: { pollHoldMs: 300, longPollTimeoutMs: 300 } });
    const config = loadConfig(
      {
        PORT: '0',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'w-ilink-api-')),
        BOT_PLUGINS: 'echo',
        SEND_PACING: 'off',
        WECHAT_ENDPOINT: sb.origin,
        ILINK_BASE_URL: sb.origin,
        WEBHOOK_URL: hooks.url,
        API_TOKEN: TOKEN,
      },
      { envFile: false },
    );
    server = await startServer({ config, log: silentLogger(), startAccounts: false });
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

    const il = sb.ilink.control;
    await waitUntil(async () => (await il.state()).qrcodes.length > 0, 15_000, 'an iLink QR');
    await il.confirm({});
    await waitUntil(async () => (await api('GET', `/accounts/${id}`)).body.state === 'online', 15_000, 'online');

    // Before the owner writes: bound user known, window closed (not yet).
    const owner = (await il.state()).users[0]!;
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
});
