// GET /api/v1/events: the account events as server-sent events from the durable event log,
// resumable with Last-Event-ID, losing nothing across a disconnect or a restart of weiroto; a
// browser's EventSource (which cannot set headers) authenticates with ?access_token=, kept out of the log.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { loadConfig } from '../../src/config.js';
import { chromium } from 'playwright-core';
import { captureLog } from '../helpers/log-capture.js';
import { waitUntil } from '../../src/testing/wait.js';
import { rawRows } from '../helpers/raw-db.js';
import { withStoreEnv } from '../helpers/store.js';

const TOKEN = 'events-test-token-0123456789';

interface Frame {
  id?: string;
  event?: string;
  data: string;
}

/** An SSE client over fetch: frames as they come, until `close()`. */
async function subscribe(base: string, query = '', headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/v1/events${query}`, { headers: { authorization: `Bearer ${TOKEN}`, ...headers }, signal: ac.signal });
  const frames: Frame[] = [];
  let buffer = '';
  const reading = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const f: Frame = { data: '' };
          for (const line of block.split('\n')) {
            const [k, ...v] = line.split(': ');
            if (k === 'id') f.id = v.join(': ');
            else if (k === 'event') f.event = v.join(': ');
            else if (k === 'data') f.data += v.join(': ');
          }
          if (f.id) frames.push(f);
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    res,
    frames,
    texts: () => frames.filter((f) => f.event === 'message.received').map((f) => (JSON.parse(f.data) as { data: { text: string } }).data.text),
    close: async () => {
      ac.abort();
      await reading;
    },
  };
}

describe('GET /api/v1/events', () => {
  let sb: RunningSandbox;
  let server: RunningServer;
  const dataDir = mkdtempSync(join(tmpdir(), 'w-events-'));
  let friend: string;
  // Everything weiroto logs, down to debug: the query token must never be in it.
  const logged = captureLog('debug');

  const start = async () => {
    const config = loadConfig(
      await withStoreEnv({ PORT: '0', DATA_DIR: dataDir, BOT_PLUGINS: '', SEND_PACING: 'off', WECHAT_ENDPOINT: sb.origin, API_TOKEN: TOKEN }),
      { envFile: false },
    );
    server = await startServer({ config, log: logged.log });
    await waitUntil(() => server.manager.list()[0]?.state === 'online', 20_000, 'the account online');
  };
  const stored = (text: string) =>
    waitUntil(async () => (await rawRows(dataDir, `select 1 from event_log where body like ?`, `%${text}%`)).length > 0, 10_000, `"${text}" in the event log`);

  before(async () => {
    sb = await startSandbox({ holdMs: 300, contacts: 6, rooms: 1, roomSize: 3, rateLimits: false, autoScanMs: 20, autoConfirmMs: 20 });
    await start();
    friend = (await sb.control.state()).accounts[0]!.friends.find((f) => f.kind === 'friend')!.nickname;
  });
  after(async () => {
    await server?.close();
    await sb?.close();
  });

  it('asks for a token, checks its parameters, and starts at "now" without Last-Event-ID', async () => {
    assert.equal((await fetch(`${server.url}/api/v1/events`)).status, 401);
    const bad = await fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${TOKEN}`, 'last-event-id': 'abc' } });
    assert.equal(bad.status, 400);
    const unknown = await fetch(`${server.url}/api/v1/events?type=message.nope`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(unknown.status, 422);
    await sb.control.sendMessage({ from: friend, text: 'before the stream' });
    await stored('before the stream');
    const s = await subscribe(server.url);
    assert.equal(s.res.status, 200);
    assert.match(s.res.headers.get('content-type') ?? '', /^text\/event-stream/);
    await sb.control.sendMessage({ from: friend, text: 'live one' });
    await waitUntil(() => s.texts().includes('live one'), 10_000, 'the live event');
    assert.ok(!s.texts().includes('before the stream'));
    const f = s.frames.find((x) => x.event === 'message.received')!;
    const body = JSON.parse(f.data) as { type: string; timestamp: string; account: string; transport: string; data: { text: string } };
    assert.deepEqual(Object.keys(body), ['type', 'timestamp', 'account', 'transport', 'data'], 'the same body a webhook carries');
    assert.equal(body.transport, 'web');
    await s.close();
  });

  it('filters by account and type', async () => {
    const account = server.manager.list()[0]!.id;
    const mine = await subscribe(server.url, `?account=${account}&type=message.received`);
    const other = await subscribe(server.url, `?account=nobody`);
    await sb.control.sendMessage({ from: friend, text: 'filtered' });
    await waitUntil(() => mine.texts().includes('filtered'), 10_000, 'the filtered event');
    assert.ok(mine.frames.every((f) => f.event === 'message.received'));
    assert.equal(other.frames.length, 0);
    await mine.close();
    await other.close();
  });

  it('resumes with Last-Event-ID after a disconnect and across a restart, in order, losing nothing', async () => {
    const first = await subscribe(server.url, '?type=message.received');
    for (const t of ['r1', 'r2']) await sb.control.sendMessage({ from: friend, text: t });
    await waitUntil(() => first.texts().includes('r2'), 10_000, 'r1 and r2');
    const lastSeen = first.frames[first.frames.length - 1]!.id!;
    await first.close();

    // Disconnected: r3 happens; then weiroto restarts, and r4 happens after the restart.
    await sb.control.sendMessage({ from: friend, text: 'r3' });
    await stored('r3');
    await server.close();
    await start();
    await sb.control.sendMessage({ from: friend, text: 'r4' });
    await stored('r4');

    const again = await subscribe(server.url, '?type=message.received', { 'last-event-id': lastSeen });
    await waitUntil(() => again.texts().includes('r4'), 10_000, 'the backlog after the restart');
    assert.deepEqual(
      again.texts().filter((t) => /^r\d$/.test(t)),
      ['r3', 'r4'],
    );
    const ids = again.frames.map((f) => Number(f.id));
    assert.ok(
      ids.every((id, i) => id > Number(lastSeen) && (i === 0 || id > ids[i - 1]!)),
      `ids after ${lastSeen}, increasing: ${ids.join(',')}`,
    );
    // Live events keep coming on the resumed stream.
    await sb.control.sendMessage({ from: friend, text: 'r5' });
    await waitUntil(() => again.texts().includes('r5'), 10_000, 'r5 live');
    await again.close();
  });

  it('a browser EventSource authenticates with ?access_token= (on this route only), and the token never reaches the log', async () => {
    // Only the event stream takes a token in the URL, and only a valid one.
    assert.equal((await fetch(`${server.url}/api/v1/accounts?access_token=${TOKEN}`)).status, 401);
    const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as {
      components: { securitySchemes: Record<string, { in?: string; name?: string }> };
      paths: Record<string, { get: { security?: unknown[] } }>;
    };
    assert.deepEqual(doc.components.securitySchemes.accessToken, { ...doc.components.securitySchemes.accessToken, in: 'query', name: 'access_token' });
    assert.deepEqual(doc.paths['/events']!.get.security, [{ bearer: [] }, { accessToken: [] }], 'documented on the event stream only');
    const wrong = await fetch(`${server.url}/api/v1/events?access_token=not-a-token`);
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();

    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/api/v1/openapi.json`);
      // In the page (a string: the tests' TypeScript has no DOM types).
      await page.evaluate(`(() => {
        window.got = [];
        window.opened = false;
        const es = new EventSource('/api/v1/events?type=message.received&access_token=' + encodeURIComponent(${JSON.stringify(TOKEN)}));
        es.onopen = () => { window.opened = true; };
        es.addEventListener('message.received', (e) => window.got.push(JSON.parse(e.data).data.text));
      })()`);
      await waitUntil(async () => (await page.evaluate('window.opened')) === true, 15_000, 'the EventSource open');
      await sb.control.sendMessage({ from: friend, text: 'to the browser' });
      await waitUntil(async () => ((await page.evaluate('window.got')) as string[]).includes('to the browser'), 15_000, 'the event in the browser');
    } finally {
      await browser.close();
    }
    // A URL with the token, should any line ever carry one, is scrubbed.
    logged.log.warn(`GET ${server.url}/api/v1/events?type=x&access_token=${TOKEN}`);
    assert.ok(
      logged.lines.some((l) => l.includes('access_token=[redacted]')),
      'the line is there, scrubbed',
    );
    assert.deepEqual(
      logged.lines.filter((l) => l.includes(TOKEN)),
      [],
      'the token is in no log line',
    );
  });
});
