import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, until, type Harness } from './harness.js';
import { Receiver } from '../webhook/receiver.js';

/** An internal service on 127.0.0.1 that an outsider must neither reach nor read. */
async function internalService(): Promise<Receiver> {
  const r = new Receiver();
  r.answer = () => ({ status: 200, body: 'INTERNAL-SECRET-4252' });
  await r.start();
  return r;
}

describe('webhook URLs set through the API: one parser, the guard follows who set the URL (API_ALLOW_PRIVATE_URLS off)', () => {
  let h: Harness;
  let internal: Receiver;
  let operators: Receiver;

  before(async () => {
    h = await startHarness({ allowPrivateUrls: false });
    internal = await internalService();
    operators = new Receiver();
    await operators.start();
  });
  after(async () => {
    await h?.close();
    await internal?.stop();
    await operators?.stop();
  });

  it('refuses inward URLs however they are written, before anything is stored; the WEBHOOK_URL endpoint keeps working', async () => {
    const ep = await h.webhooks.ensureEndpointFromConfig(` ${operators.url} `, 'whsec_' + Buffer.alloc(32, 1).toString('base64'));
    assert.equal(ep.url, operators.url, 'stored in its parsed form');
    assert.equal((await h.webhooks.ensureEndpointFromConfig(operators.url)).id, ep.id, 'the same endpoint at the next start');
    const port = internal.port;
    for (const url of [
      ` http://127.0.0.1:${port}/x`,
      `\thttp://127.0.0.1:${port}/x`,
      `HTTP://127.0.0.1:${port}/x`,
      `http://0x7f000001:${port}/x`,
      `http://[::ffff:127.0.0.1]:${port}/x`,
      `http://localhost.:${port}/x`,
    ]) {
      const patch = await h.call('PATCH', `/api/v1/webhooks/${ep.id}`, { body: { url } });
      assert.equal(patch.status, 422, `${JSON.stringify(url)} → ${JSON.stringify(patch.body)}`);
      const post = await h.call('POST', '/api/v1/webhooks', { body: { url } });
      assert.equal(post.status, 422, `POST ${JSON.stringify(url)}`);
    }
    assert.equal((await h.webhooks.getEndpoint(ep.id))!.url, operators.url, 'nothing was changed');
    assert.equal((await h.webhooks.listEndpoints()).length, 1, 'nothing was created');

    // The operator's own endpoint on 127.0.0.1 is still delivered to.
    const t = await h.call('POST', `/api/v1/webhooks/${ep.id}/test`);
    assert.equal(t.status, 202);
    await operators.waitFor(() => operators.log.length === 1);
    await until(async () => (await h.webhooks.getDelivery(t.body.id))?.status === 'delivered');
    assert.equal((await h.webhooks.getDelivery(t.body.id))!.attemptLog[0]!.response, 'ok', 'the operator sees their own receiver answer');
  });

  it('a URL written through the API is guarded at every delivery even on an endpoint WEBHOOK_URL created', async () => {
    const ep = await h.webhooks.ensureEndpointFromConfig(operators.url);
    // Suppose the check at PATCH time let it through (a name that resolved outward then).
    h.config.apiAllowPrivateUrls = true;
    const patch = await h.call('PATCH', `/api/v1/webhooks/${ep.id}`, { body: { url: ` http://127.0.0.1:${internal.port}/x` } });
    h.config.apiAllowPrivateUrls = false;
    assert.equal(patch.status, 200);
    assert.equal(patch.body.url, `http://127.0.0.1:${internal.port}/x`);
    assert.equal(patch.body.source, 'api', 'the URL is the token holder’s now');

    const t = await h.call('POST', `/api/v1/webhooks/${ep.id}/test`);
    await until(async () => ((await h.webhooks.getDelivery(t.body.id))?.attempts ?? 0) >= 1);
    const d = await h.call('GET', `/api/v1/webhooks/${ep.id}/deliveries/${t.body.id}`);
    assert.notEqual(d.body.status, 'delivered');
    assert.match(d.body.attemptLog[0].error, /private or loopback address; refused/);
    assert.doesNotMatch(JSON.stringify(d.body), /INTERNAL-SECRET/);
    assert.equal(internal.all.length, 0, 'the internal service was never reached');
  });
});

describe('webhook URLs set through the API with API_ALLOW_PRIVATE_URLS on: delivered, but their answers are not logged', () => {
  let h: Harness;
  let internal: Receiver;

  before(async () => {
    h = await startHarness({ allowPrivateUrls: true });
    internal = await internalService();
  });
  after(async () => {
    await h?.close();
    await internal?.stop();
  });

  it('keeps the answer of an API-set URL out of the attempt log, and logs the panel’s', async () => {
    const created = await h.call('POST', '/api/v1/webhooks', { body: { url: internal.url } });
    assert.equal(created.status, 201);
    const t = await h.call('POST', `/api/v1/webhooks/${created.body.id}/test`);
    await internal.waitFor(() => internal.log.length === 1);
    await until(async () => (await h.webhooks.getDelivery(t.body.id))?.status === 'delivered');
    const d = await h.call('GET', `/api/v1/webhooks/${created.body.id}/deliveries/${t.body.id}`);
    assert.equal(d.body.attemptLog[0].statusCode, 200);
    assert.equal(d.body.attemptLog[0].response, undefined);
    assert.doesNotMatch(JSON.stringify(d.body), /INTERNAL-SECRET/);

    // An admin changing the URL in the panel takes it over: delivered and logged as before.
    await h.webhooks.updateEndpoint(created.body.id, { url: internal.url.replace('/hook', '/panel') }, { source: 'panel' });
    const t2 = await h.call('POST', `/api/v1/webhooks/${created.body.id}/test`);
    await until(async () => (await h.webhooks.getDelivery(t2.body.id))?.status === 'delivered');
    assert.equal((await h.webhooks.getDelivery(t2.body.id))!.attemptLog[0]!.response, 'INTERNAL-SECRET-4252');
  });
});
