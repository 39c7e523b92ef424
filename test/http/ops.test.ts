/**
 * The operations endpoints of the real server (src/main.ts): /healthz is public; /readyz is public
 * and says only ready or not (the reasons name accounts: they go to the log); /metrics needs an API
 * token on the main port, and METRICS_PORT serves it without one on its own (loopback) bind.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServerStack, type ServerStack } from '../admin/helpers/panel-stack.js';
import { captureLog, type CapturedLog } from '../helpers/log-capture.js';

describe('operations endpoints', () => {
  let stack: ServerStack;
  let captured: CapturedLog;
  let account = '';
  before(async () => {
    captured = captureLog('info');
    stack = await startServerStack({ env: { METRICS_PORT: '0' }, log: captured.log });
    account = (await stack.manager.add('Shop front')).id;
    await stack.manager.start(account);
  });
  after(async () => {
    await stack?.close();
  });

  it('/healthz is public', async () => {
    const res = await fetch(stack.url + '/healthz');
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { status: string }).status, 'ok');
  });

  it('/readyz says only "not ready" while an account waits for a scan; the reason goes to the log', async () => {
    const res = await fetch(stack.url + '/readyz');
    assert.equal(res.status, 503);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), { status: 'not ready' });
    assert.ok(!text.includes(account), 'no account id in the public answer');
    const line = captured.records().find((r) => r.msg === 'not ready');
    assert.ok(line, 'the reasons are logged');
    assert.match(JSON.stringify(line.problems), new RegExp(account));
  });

  it('/metrics on the main port needs an API token (a read-only one will do)', async () => {
    const anonymous = await fetch(stack.url + '/metrics');
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.doesNotMatch(await anonymous.text(), /weiroto_/);
    assert.equal((await fetch(stack.url + '/metrics', { headers: { authorization: 'Bearer wrt_wrong' } })).status, 401);
    const { token } = await stack.server.tokens.create('prometheus', { readOnly: true });
    const res = await fetch(stack.url + '/metrics', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await res.text(), /weiroto_accounts\{state="[a-z-]+"\} 1/);
  });

  it('METRICS_PORT serves /metrics without a token on its own bind (127.0.0.1 by default), and nothing else', async () => {
    const url = stack.server.metricsUrl!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /weiroto_accounts/);
    assert.equal((await fetch(url.replace('/metrics', '/login'))).status, 404);
    assert.equal((await fetch(url.replace('/metrics', '/api/v1/accounts'))).status, 404);
  });
});
