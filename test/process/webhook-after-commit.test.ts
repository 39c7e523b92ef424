// The webhook worker is woken once each event is committed (src/main.ts, the post-commit signal), not when the event
// is written: on PostgreSQL an account's writes run on a line of their own, and a wake at write time came before the
// COMMIT, so the worker found nothing and saw the delivery only at its next poll. The poll interval is set far longer
// than the test waits: a delivery that arrives at all was started by the wake.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { waitFor } from '../../src/testing/wait.js';
import { withStoreEnv } from '../helpers/store.js';

const POLL_MS = 120_000;
const MESSAGES = 6;

describe('a webhook delivery starts once its event is committed, not at the next poll', () => {
  let sb: RunningSandbox;
  let server: RunningServer;
  let receiver: Server;
  const received = new Map<string, number>();

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const event = JSON.parse(body) as { type: string; data: { text?: string } };
        if (event.type === 'message.received' && event.data.text) received.set(event.data.text, performance.now());
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as { port: number }).port;
    sb = await startSandbox({ holdMs: 300, contacts: 4, rooms: 0, rateLimits: false });
    const config = loadConfig(
      await withStoreEnv({
        PORT: '0',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'w-whcommit-')),
        BOT_PLUGINS: '',
        SEND_PACING: 'off',
        WECHAT_ENDPOINT: sb.origin,
        WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
      }),
      { envFile: false },
    );
    server = await startServer({ config, log: silentLogger(), webhookWorker: { pollMs: POLL_MS } });
    await waitFor(async () => (await sb.control.state()).qrcodes.find((q) => q.status === 'waiting'), 15_000, 'a QR');
    await sb.control.scan({});
    await sb.control.confirm({});
    await waitFor(async () => ((await fetch(server.url + '/readyz')).status === 200 ? true : undefined), 15_000, 'ready');
  });

  after(async () => {
    await server?.close();
    await sb?.close();
    await new Promise((r) => receiver?.close(r));
  });

  it(`delivers each of ${MESSAGES} messages right after its COMMIT (the poll interval is ${POLL_MS / 1000} s)`, async (t) => {
    const friend = (await sb.control.state()).accounts[0]!.friends.find((f) => f.kind === 'friend')!;
    const took: number[] = [];
    // One at a time: each message's rows commit while the worker sleeps, so each needs its own post-commit wake.
    for (let i = 0; i < MESSAGES; i++) {
      const text = `after commit ${i}`;
      const sent = performance.now();
      await sb.control.sendMessage({ from: friend.nickname, text });
      // Far below the poll interval, however loaded the machine: only a wake can deliver it in time.
      const at = await waitFor(() => received.get(text), POLL_MS / 4, `the webhook of "${text}"`);
      took.push(Math.round(at - sent));
    }
    t.diagnostic(`sandbox message to webhook received: ${took.join(', ')} ms`);
    assert.equal(took.length, MESSAGES);
  });
});
