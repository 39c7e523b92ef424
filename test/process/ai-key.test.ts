// The AI plugin's key and outbound HTTP through the server exactly as `weiroto start` wires it
// (src/main.ts): AI_BASE_URL is a local model server on 127.0.0.1, an API token holder tries to
// aim the deployment key and the plugin's requests elsewhere.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startFakeOpenAi, type FakeOpenAi } from '../plugins/ai/fake-openai.js';
import { Receiver } from '../webhook/receiver.js';
import { until } from '../api/harness.js';
import { rawRows } from '../helpers/raw-db.js';
import { withStoreEnv } from '../helpers/store.js';

const TOKEN = 'tok_ai_key_test_0123456789';
const DEPLOYMENT_KEY = 'sk-deployment-secret-0001';
const OWN_KEY = 'sk-account-own-key-0002';

describe('AI_API_KEY goes only to AI_BASE_URL; plugin HTTP is guarded (startServer)', () => {
  let sb: RunningSandbox;
  let server: RunningServer;
  let local: FakeOpenAi; // the deployment's model server (AI_BASE_URL), on 127.0.0.1
  let elsewhere: FakeOpenAi; // an endpoint the address guard lets through (ALLOW_PRIVATE_ORIGINS here)
  let internal: Receiver; // an internal service nobody configured
  let account = '';
  let friend = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'w-aikey-'));

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of several shapes
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const ask = async (text: string, answer: string | RegExp): Promise<void> => {
    const since = (await sb.control.sent({})).next;
    await sb.control.sendMessage({ from: friend, text });
    await until(
      async () => (await sb.control.sent({ since })).messages.some((m) => (typeof answer === 'string' ? m.text === answer : answer.test(m.text))),
      15_000,
      `the answer to ${text}`,
    );
  };

  const start = async (): Promise<void> => {
    const config = loadConfig(
      await withStoreEnv({
        PORT: '0',
        DATA_DIR: dataDir,
        BOT_PLUGINS: 'ai',
        SEND_PACING: 'off',
        WECHAT_ENDPOINT: sb.origin,
        API_TOKEN: TOKEN,
        AI_BASE_URL: local.baseUrl,
        AI_API_KEY: DEPLOYMENT_KEY,
        AI_MODEL: 'local-model',
        ALLOW_PRIVATE_ORIGINS: new URL(elsewhere.baseUrl).origin,
      }),
      { envFile: false },
    );
    server = await startServer({ config, log: silentLogger() });
  };

  before(async () => {
    local = await startFakeOpenAi();
    elsewhere = await startFakeOpenAi();
    internal = new Receiver();
    await internal.start();
    sb = await startSandbox({ holdMs: 300, contacts: 6, rooms: 1, roomSize: 3, rateLimits: false });
    await start();
    await until(async () => (await sb.control.state()).qrcodes.some((q) => q.status === 'waiting'), 15_000, 'a QR');
    await sb.control.scan({});
    await sb.control.confirm({});
    await until(async () => (await fetch(server.url + '/readyz')).status === 200, 15_000, 'ready');
    account = server.manager.list()[0]!.id;
    friend = (await sb.control.state()).accounts[0]!.friends.find((f) => f.kind === 'friend')!.nickname;
  });

  after(async () => {
    await server?.close();
    await sb?.close();
    await local?.close();
    await elsewhere?.close();
    await internal?.stop();
  });

  it('sends AI_API_KEY to AI_BASE_URL, a model server on 127.0.0.1 the operator configured', async () => {
    await ask('hello', '[0] hello');
    assert.equal(local.requests.at(-1)!.authorization, `Bearer ${DEPLOYMENT_KEY}`);
  });

  it('refuses an own baseUrl without an own key (422, nothing changes) and an inward one', async () => {
    const put = await api('PUT', `/api/v1/accounts/${account}/plugins/ai`, { config: { baseUrl: elsewhere.baseUrl } });
    assert.equal(put.status, 422, JSON.stringify(put.body));
    assert.match(put.body.error.message, /AI_API_KEY is only sent to AI_BASE_URL/);
    const inward = await api('PUT', `/api/v1/accounts/${account}/plugins/ai`, {
      config: { baseUrl: ` http://127.0.0.1:${internal.port}/v1`, apiKey: OWN_KEY },
    });
    assert.equal(inward.status, 422, JSON.stringify(inward.body));
    assert.match(inward.body.error.message, /private or loopback address/);
    await ask('still local?', /still local\?$/);
    assert.equal(elsewhere.requests.length, 0);
    assert.equal(internal.all.length, 0);
  });

  it('an own baseUrl with its own key: the key is sealed in SQLite, never returned, kept when left out, and used after a restart', async () => {
    const put = await api('PUT', `/api/v1/accounts/${account}/plugins/ai`, { config: { baseUrl: elsewhere.baseUrl, apiKey: OWN_KEY } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.config.apiKey, undefined);
    assert.deepEqual(put.body.secretsSet, ['apiKey']);
    const list = await api('GET', `/api/v1/accounts/${account}/plugins`);
    assert.doesNotMatch(JSON.stringify(list.body), new RegExp(`${OWN_KEY}|${DEPLOYMENT_KEY}`));
    const rows = await rawRows<{ config: string }>(dataDir, 'select config from plugin_settings');
    assert.ok(rows.length > 0);
    for (const r of rows) assert.ok(!r.config.includes(OWN_KEY), 'not in clear at rest');
    assert.ok(rows.some((r) => r.config.includes('"sealed":"v1:')));

    await ask('to elsewhere', /to elsewhere$/);
    assert.equal(elsewhere.requests.at(-1)!.authorization, `Bearer ${OWN_KEY}`);
    // A PUT that leaves the write-only key out keeps it.
    assert.equal((await api('PUT', `/api/v1/accounts/${account}/plugins/ai`, { config: { baseUrl: elsewhere.baseUrl, model: 'm2' } })).status, 200);
    await ask('again', /again$/);
    assert.equal(elsewhere.requests.at(-1)!.authorization, `Bearer ${OWN_KEY}`);
    assert.equal(elsewhere.requests.at(-1)!.model, 'm2');

    await server.close();
    await start();
    await until(async () => (await fetch(server.url + '/readyz')).status === 200, 15_000, 'ready after the restart');
    await ask('after restart', /after restart$/);
    assert.equal(elsewhere.requests.at(-1)!.authorization, `Bearer ${OWN_KEY}`);
    assert.ok(
      elsewhere.requests.every((r) => r.authorization !== `Bearer ${DEPLOYMENT_KEY}`),
      'the deployment key never left for elsewhere',
    );
  });

  it('checks every connection of the plugin: a redirect into the internal network is refused', async () => {
    elsewhere.next.push({ status: 307, headers: { location: `http://127.0.0.1:${internal.port}/v1/chat/completions` } });
    await ask('follow me', 'Sorry, I cannot answer right now. Please try again later.');
    assert.equal(internal.all.length, 0, 'the internal service was never reached');
  });
});
