// Webhooks and the HTTP API through the server exactly as `weiroto start` wires it (src/main.ts),
// configured from the environment (WEBHOOK_URL, WEBHOOK_SECRET, API_TOKEN) against the sandbox.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { waitFor } from '../../src/testing/wait.js';
import { withStoreEnv } from '../helpers/store.js';

const SECRET = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const TOKEN = 'tok_process_test_0123456789';

/** `waitFor` with the name first, as this file's calls read. */
const until = <T>(what: string, read: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> => waitFor(read, ms, what);

describe('webhooks and API through startServer', () => {
  let sb: RunningSandbox;
  let server: RunningServer;
  let receiver: Server;
  const received: { id: string; type: string; data: { text?: string; isSelf?: boolean } }[] = [];

  before(async () => {
    const verifier = new Webhook(SECRET);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const event = verifier.verify(body, headers) as { type: string; data: { text?: string; isSelf?: boolean } };
        received.push({ id: headers['webhook-id']!, ...event });
        const reply = event.type === 'message.received' && event.data.text === 'ping' ? { reply: { text: 'pong from webhook' } } : {};
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as { port: number }).port;

    sb = await startSandbox({ holdMs: 300, contacts: 10, rooms: 2, roomSize: 4, rateLimits: false });
    const config = loadConfig(
      await withStoreEnv({
        PORT: '0',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'w-apiwh-')),
        BOT_PLUGINS: '',
        SEND_PACING: 'off',
        WECHAT_ENDPOINT: sb.origin,
        WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
        WEBHOOK_SECRET: SECRET,
        API_TOKEN: TOKEN,
        // Small enough for the last test to exhaust, large enough for the others.
        API_RATE_BURST: '12',
        API_RATE_PER_SEC: '1',
      }),
      { envFile: false },
    );
    server = await startServer({ config, log: silentLogger() });
    await until('a QR', async () => (await sb.control.state()).qrcodes.find((q) => q.status === 'waiting'));
    await sb.control.scan({});
    await sb.control.confirm({});
    await until('ready', async () => ((await fetch(server.url + '/readyz')).status === 200 ? true : undefined));
  });

  after(async () => {
    await server?.close();
    await sb?.close();
    await new Promise((r) => receiver?.close(r));
  });

  it('delivers a signed message.received and sends the webhook reply back to the chat', async () => {
    const friend = (await sb.control.state()).accounts[0]!.friends.find((f) => f.kind === 'friend')!;
    await sb.control.sendMessage({ from: friend.nickname, text: 'ping' });
    const event = await until('the webhook delivery', () => received.find((e) => e.type === 'message.received' && e.data.text === 'ping'));
    assert.ok(event.id);
    const reply = await until('the reply in the sandbox', async () => (await sb.control.sent({})).messages.find((m) => m.text === 'pong from webhook'));
    assert.equal(reply.to, friend.id);
  });

  it('sends through the API with the configured token, once per Idempotency-Key', async () => {
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const accounts = (await (await fetch(server.url + '/api/v1/accounts', { headers: auth })).json()) as { items?: { id: string }[] } | { id: string }[];
    const list = Array.isArray(accounts) ? accounts : accounts.items!;
    const account = list[0]!.id;
    const friend = (await sb.control.state()).accounts[0]!.friends.find((f) => f.kind === 'friend')!;
    const send = () =>
      fetch(`${server.url}/api/v1/accounts/${account}/messages?wait=true`, {
        method: 'POST',
        headers: { ...auth, 'idempotency-key': 'order-42' },
        body: JSON.stringify({ to: { name: friend.nickname }, text: 'your order shipped' }),
      });
    const first = await send();
    assert.equal(first.status, 200, await first.clone().text());
    const second = await send();
    assert.ok(second.status < 300);
    assert.equal(((await first.json()) as { id: string }).id, ((await second.json()) as { id: string }).id);
    const shippedNow = async () => (await sb.control.sent({})).messages.filter((m) => m.text === 'your order shipped');
    await until('the send in the sandbox', async () => ((await shippedNow()).length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300)); // and no second one comes after it
    assert.equal((await shippedNow()).length, 1);
    assert.equal((await fetch(`${server.url}/api/v1/accounts`)).status, 401, 'no token, no access');
  });

  it('API_RATE_BURST/API_RATE_PER_SEC set the token budget: a burst beyond it gets 429 with Retry-After', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 16; i++) {
      const res = await fetch(`${server.url}/api/v1/accounts`, { headers: auth });
      await res.arrayBuffer();
      statuses.push(res.status);
      if (res.status === 429) retryAfter ??= res.headers.get('retry-after');
    }
    assert.ok(statuses.includes(429), `a 429 within 16 quick requests (got ${statuses.join(',')})`);
    assert.equal(statuses[0], 200);
    assert.match(retryAfter ?? '', /^\d+$/);
  });
});
