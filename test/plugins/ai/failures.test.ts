/**
 * AI failures are visible, and the panel can test the model: the server `weiroto start` builds, an
 * account logged in to the sandbox, the ai plugin pointed at a local OpenAI-compatible fake. A
 * failing endpoint (refused connection, 401, unknown model) still gets the user the apology, and
 * the operator the reason in the plugin's recent errors and on the Logs page, while the trace says
 * the AI replied. "Test connection" calls the model once through the plugin's own guarded client
 * and key rules, and answers with the model's words or the exact error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually, startOnlineAccount, type Client, type ServerStack } from '../../admin/helpers/panel-stack.js';
import { startFakeOpenAi, type FakeOpenAi } from './fake-openai.js';

const PASSWORD = 'ai failures password';
const FALLBACK = 'Sorry, I cannot answer right now.';

describe('AI failures and "Test connection" (server, sandbox, fake model)', () => {
  let stack: ServerStack;
  let fake: FakeOpenAi;
  let admin: Client;
  let account = '';
  let friend = '';
  let since = 0;

  const probe = async (): Promise<{ ok: boolean; answer?: string; error?: string }> => {
    const r = await admin.request('POST', `/accounts/${account}/plugins/ai/test`, { headers: { accept: 'application/json', 'x-csrf-token': admin.csrf } });
    assert.equal(r.status, 200, r.text);
    return JSON.parse(r.text) as { ok: boolean; answer?: string; error?: string };
  };

  /** The friend writes; returns the bot's answer as the phone got it and the message's stored trace. */
  const ask = async (text: string): Promise<{ answer: string; trace: { replied: boolean; steps: { plugin: string; outcome: string }[] } }> => {
    await stack.sb.control.sendMessage({ from: friend, text });
    const m = await stack.sb.control.waitForSent((x) => x.toName === friend, { since, timeoutMs: 15_000 });
    since = m.seq;
    const id = await eventually(async () => (await stack.store.messages.list(account, { text })).items.find((x) => !x.isSelf)?.id, 10_000, 'stored');
    const trace = await eventually(async () => (await stack.store.traces.list(account, { messageId: id }))[0], 10_000, 'trace');
    return { answer: m.text, trace };
  };

  before(async () => {
    fake = await startFakeOpenAi();
    ({ stack, account, friend, admin } = await startOnlineAccount(PASSWORD, {
      AI_BASE_URL: fake.baseUrl,
      AI_API_KEY: 'sk-deployment',
      AI_MODEL: 'local-model',
      API_ALLOW_PRIVATE_URLS: 'false',
    }));
    await stack.manager.plugins(account)!.configure('ai', { fallbackReply: FALLBACK });
    await stack.manager.plugins(account)!.enable('ai');
    since = (await stack.sb.control.sent({})).next;
    await admin.get(`/accounts/${account}/plugins/ai`);
  });

  after(async () => {
    await stack?.close();
    await fake?.close();
  });

  it('the plugin page offers "Test connection", which asks the model once with the deployment key', async () => {
    const page = await admin.get(`/accounts/${account}/plugins/ai`);
    assert.match(page.text, /id="plugin-test"/);
    fake.next.push({ answer: 'I am reachable.' });
    const r = await probe();
    assert.deepEqual([r.ok, r.answer], [true, 'I am reachable.']);
    const req = fake.requests.at(-1)!;
    assert.equal(req.model, 'local-model');
    assert.equal(req.authorization, 'Bearer sk-deployment');
    // Without JavaScript the form posts and gets a page with the answer.
    fake.next.push({ answer: 'Still here.' });
    const html = await admin.post(`/accounts/${account}/plugins/ai/test`);
    assert.equal(html.status, 200);
    assert.match(html.text, /id="plugin-test-result"[\s\S]*Still here\./);
  });

  it('a test shows the exact error: 401, unknown model', async () => {
    fake.next.push({ status: 401, body: { error: { message: 'Incorrect API key provided' } } });
    const r401 = await probe();
    assert.equal(r401.ok, false);
    assert.match(r401.error!, /refused the API key \(401\): Incorrect API key provided/);
    fake.next.push({ status: 404, body: { error: { message: 'model not found' } } });
    assert.match((await probe()).error!, /does not know the model "local-model".*\(404\): model not found/);
  });

  it("a test keeps the key rules: an account's own base URL never gets the deployment key", async () => {
    const before = fake.requests.length;
    const other = fake.baseUrl.replace('127.0.0.1', 'localhost');
    const r = await admin.post(`/accounts/${account}/plugins/ai`, { seen: ['baseUrl'], 'f:baseUrl': other });
    assert.equal(r.status, 422, 'refused at save: an own baseUrl without its own key');
    assert.match((await probe()).answer ?? '', /./, 'the saved settings are unchanged and still work');
    assert.equal(fake.requests.length, before + 1);
    // The test goes through the guarded client: a redirect to another loopback origin (only AI_BASE_URL's is
    // trusted) is refused, and nothing reaches it.
    let reached = 0;
    const inward = createServer((_req, res) => void (reached++, res.end('{}')));
    await new Promise<void>((r) => inward.listen(0, '127.0.0.1', r));
    try {
      const port = (inward.address() as AddressInfo).port;
      fake.next.push({ status: 307, headers: { location: `http://127.0.0.1:${port}/v1/chat/completions` } });
      const guarded = await probe();
      assert.equal(guarded.ok, false);
      assert.match(guarded.error!, /cannot reach the AI endpoint/);
      assert.equal(reached, 0);
    } finally {
      await new Promise((r) => inward.close(r));
    }
  });

  it('a failing endpoint: the user gets the apology, the plugin page and Logs say why, the trace says the AI replied', async () => {
    fake.next.push({ status: 401, body: { error: { message: 'Incorrect API key provided' } } });
    const first = await ask('what is the price?');
    assert.equal(first.answer, FALLBACK);
    assert.equal(first.trace.replied, true);
    assert.equal(first.trace.steps.find((s) => s.plugin === 'ai')!.outcome, 'replied');

    await fake.close();
    const second = await ask('are you there?');
    assert.equal(second.answer, FALLBACK);
    const errors = await eventually(
      async () => {
        const rows = await stack.store.pluginErrors.list(account, { plugin: 'ai' });
        return rows.length >= 2 ? rows : undefined;
      },
      10_000,
      'both failures recorded',
    );
    assert.match(errors[0]!.message, /connection refused: nothing answers there \(is the model server running\?\)/);
    assert.match(errors[1]!.message, /refused the API key \(401\)/);

    const pluginPage = await admin.get(`/accounts/${account}/plugins/ai`);
    assert.match(pluginPage.text, /connection refused: nothing answers there/);
    assert.doesNotMatch(pluginPage.text, /No errors/);
    const logs = await admin.get('/logs');
    assert.match(logs.text, /connection refused: nothing answers there/);
    assert.match(logs.text, /refused the API key \(401\)/);
    const r = await probe();
    assert.equal(r.ok, false);
    assert.match(r.error!, /ECONNREFUSED/);
  });
});
