import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { startHarness, until, type Harness } from './harness.js';
import { Receiver } from '../webhook/receiver.js';
import { rawRows } from '../helpers/raw-db.js';

describe('HTTP API /api/v1 (real AccountManager through the sandbox)', () => {
  let h: Harness;
  let friend: { id: string; nickname: string };
  let friend2: { id: string; nickname: string };
  let roomTopic: string;

  before(async () => {
    h = await startHarness();
    const st = await h.sb.control.state(true);
    const acc = st.accounts[0]!;
    const friends = acc.friends.filter((f) => (f as { kind?: string }).kind === 'friend');
    friend = friends[0]!;
    friend2 = friends[1]!;
    roomTopic = acc.rooms[0]!.topic;
  });
  after(async () => {
    await h?.close();
  });

  const sentTo = async (name: string, since = 0) => (await h.sb.control.sent({ since })).messages.filter((m) => m.toName === name);

  it('answers 401 without a token or with an unknown or revoked one, 403 for writes with a read-only token', async () => {
    const none = await h.call('GET', '/api/v1/accounts', { token: null });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'unauthorized');
    assert.equal((await h.call('GET', '/api/v1/accounts', { token: 'wrt_nope' })).status, 401);
    const ro = await h.tokens.create('reader', { readOnly: true });
    assert.equal((await h.call('GET', '/api/v1/accounts', { token: ro.token })).status, 200);
    const w = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages`, { token: ro.token, body: { to: { name: friend.nickname }, text: 'x' } });
    assert.equal(w.status, 403);
    assert.equal(w.body.error.code, 'read_only_token');
    await h.tokens.revoke(ro.record.id);
    assert.equal((await h.call('GET', '/api/v1/accounts', { token: ro.token })).status, 401);
    assert.ok((await h.tokens.get(ro.record.id))!.lastUsedAt);
    // Tokens are stored hashed.
    const rows = await rawRows<{ hash: string }>(h.dataDir, 'select hash from api_tokens');
    assert.ok(rows.every((r) => r.hash !== ro.token && /^[0-9a-f]{64}$/.test(r.hash)));
    // Other paths are not the API's business.
    const other = await fetch(h.url + '/elsewhere');
    assert.equal(other.status, 418);
  });

  it('lists accounts, pages through contacts and rooms with cursors', async () => {
    const acc = await h.call('GET', '/api/v1/accounts');
    assert.equal(acc.status, 200);
    assert.equal(acc.body.items[0].id, h.bot.id);
    assert.equal(acc.body.items[0].state, 'online');
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await h.call('GET', `/api/v1/accounts/${h.bot.id}/contacts?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      assert.ok(r.body.items.length <= 4);
      seen.push(...r.body.items.map((c: { id: string }) => c.id));
      cursor = r.body.next;
      pages++;
    } while (cursor);
    assert.equal(seen.length, h.bot.directory.contacts().length);
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(pages > 1);
    const rooms = await h.call('GET', `/api/v1/accounts/${h.bot.id}/rooms`);
    assert.ok(rooms.body.items.some((r: { topic: string }) => r.topic === roomTopic));
    assert.equal((await h.call('GET', `/api/v1/accounts/${h.bot.id}/contacts?cursor=garbage!`)).status, 400);
    assert.equal((await h.call('GET', `/api/v1/accounts/${h.bot.id}/contacts?limit=0`)).status, 400);
    const missing = await h.call('GET', '/api/v1/accounts/nope/contacts');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
  });

  it('sends a text by name and by room topic; the same Idempotency-Key sent twice sends one message', async () => {
    const before = (await h.sb.control.sent()).next;
    const body = { to: { name: friend.nickname }, text: 'once only' };
    const a = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages`, { body, headers: { 'idempotency-key': 'k-1' } });
    assert.equal(a.status, 202);
    assert.ok(a.body.id);
    const b = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages`, { body, headers: { 'idempotency-key': 'k-1' } });
    assert.equal(b.status, 202);
    assert.equal(b.body.id, a.body.id);
    assert.equal(b.headers.get('idempotent-replayed'), 'true');
    await until(async () => (await sentTo(friend.nickname, before)).some((m) => m.text === 'once only'), 10_000, 'the send');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await sentTo(friend.nickname, before)).filter((m) => m.text === 'once only').length, 1);
    const reused = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages`, { body: { ...body, text: 'other' }, headers: { 'idempotency-key': 'k-1' } });
    assert.equal(reused.status, 422);
    assert.equal(reused.body.error.code, 'idempotency_key_reused');
    // The outbound state can be read back (the sandbox has the message before the bot has the answer and marks it
    // sent, so wait for the mark); ?wait answers once sent.
    await until(async () => (await h.call('GET', `/api/v1/accounts/${h.bot.id}/outbound/${a.body.id}`)).body.status === 'sent', 10_000, 'the send marked sent');
    const room = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages?wait=true`, { body: { to: { room: roomTopic }, text: 'to the room' } });
    assert.equal(room.status, 200);
    assert.equal(room.body.status, 'sent');
  });

  it('refuses bad sends with clear errors and writes nothing', async () => {
    const count = async () => (await rawRows<{ n: number }>(h.dataDir, 'select count(*) as n from outbound'))[0]!.n;
    const n0 = await count();
    const cases: [unknown, number, string][] = [
      [{ to: { name: 'Nobody Like This' }, text: 'x' }, 422, 'target_not_found'],
      [{ to: { name: friend.nickname } }, 422, 'invalid'],
      [{ to: { id: 'a', name: 'b' }, text: 'x' }, 422, 'invalid'],
      [{ to: { name: friend.nickname }, text: '' }, 422, 'invalid'],
      [{ text: 'x' }, 422, 'invalid'],
    ];
    for (const [body, status, code] of cases) {
      const r = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages`, { body });
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(r.body.error.code, code, JSON.stringify(body));
      assert.equal(typeof r.body.error.message, 'string');
    }
    const bad = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages`, { raw: '{"to":', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    const wrongType = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages`, { raw: 'hello', headers: { 'content-type': 'text/plain' } });
    assert.equal(wrongType.status, 415);
    const big = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages`, {
      raw: JSON.stringify({ to: { id: 'x' }, text: 'a'.repeat(2_000_000) }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(big.status, 413);
    assert.equal(await count(), n0);
    const notAllowed = await h.call('DELETE', `/api/v1/accounts/${h.bot.id}/contacts`);
    assert.equal(notAllowed.status, 405);
    assert.equal((await h.call('GET', '/api/v1/nothing-here')).status, 404);
  });

  it('sends a file by multipart upload and by URL; URLs to loopback are refused unless allowed', async () => {
    const before = (await h.sb.control.sent()).next;
    const form = new FormData();
    form.set('to', JSON.stringify({ name: friend2.nickname }));
    form.set('file', new Blob([Buffer.from('just some notes')], { type: 'text/plain' }), 'notes.txt');
    const up = await fetch(`${h.url}/api/v1/accounts/${h.bot.id}/messages?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}` },
      body: form,
    });
    const upBody = (await up.json()) as { status: string; type: string; fileName: string };
    assert.equal(up.status, 200, JSON.stringify(upBody));
    assert.equal(upBody.type, 'file');
    assert.equal(upBody.fileName, 'notes.txt');
    // By URL: weiroto's own openapi.json stands in for a file server.
    const byUrl = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages?wait=true`, {
      body: { to: { name: friend2.nickname }, url: `${h.url}/api/v1/openapi.json`, name: 'api.json' },
    });
    assert.equal(byUrl.status, 200, JSON.stringify(byUrl.body));
    await until(async () => (await sentTo(friend2.nickname, before)).length >= 2, 10_000, 'two files');
    const files = await sentTo(friend2.nickname, before);
    assert.deepEqual(files.map((f) => f.fileName).sort(), ['api.json', 'notes.txt']);
    h.config.apiAllowPrivateUrls = false;
    try {
      for (const url of [`${h.url}/x.png`, 'http://localhost:1/x.png', 'http://[::1]/x', 'http://169.254.169.254/latest/meta-data']) {
        const r = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages`, { body: { to: { name: friend2.nickname }, url } });
        assert.equal(r.status, 422, url);
        assert.equal(r.body.error.code, 'url_refused', url);
      }
      const r = await h.call('POST', '/api/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook' } });
      assert.equal(r.status, 422);
    } finally {
      h.config.apiAllowPrivateUrls = true;
    }
  });

  it('lists stored messages newest first with a cursor that loses and repeats nothing', async () => {
    for (let i = 0; i < 7; i++) await h.sb.control.sendMessage({ from: friend.nickname, text: `page test ${i}` });
    await until(async () => (await h.store.messages.list(h.bot.id, { text: 'page test', limit: 50 })).items.length === 7, 10_000, 'messages stored');
    const got: string[] = [];
    let cursor: string | undefined;
    do {
      const r = await h.call('GET', `/api/v1/accounts/${h.bot.id}/messages?q=page%20test&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      got.push(...r.body.items.map((m: { text: string }) => m.text));
      cursor = r.body.next;
    } while (cursor);
    assert.deepEqual(
      got,
      [6, 5, 4, 3, 2, 1, 0].map((i) => `page test ${i}`),
    );
  });

  it('reads and changes plugin settings; an invalid config is a 422 with the schema messages and changes nothing', async () => {
    const all = await h.call('GET', '/api/v1/plugins');
    const greeter = all.body.items.find((p: { name: string }) => p.name === 'greeter');
    assert.equal(greeter.description, 'Says a greeting to "hi".');
    assert.equal(greeter.schema.type, 'object');
    assert.ok(greeter.schema.properties.greeting);
    const before = await h.call('GET', `/api/v1/accounts/${h.bot.id}/plugins`);
    assert.equal(before.body.items.find((p: { name: string }) => p.name === 'greeter').enabled, false);
    const bad = await h.call('PUT', `/api/v1/accounts/${h.bot.id}/plugins/greeter`, { body: { enabled: true, config: { greeting: '', times: 9 } } });
    assert.equal(bad.status, 422);
    assert.match(bad.body.error.message, /greeting must not be empty/);
    assert.ok(bad.body.error.details.some((d: { path: string }) => d.path === 'times'));
    const still = await h.call('GET', `/api/v1/accounts/${h.bot.id}/plugins`);
    assert.equal(still.body.items.find((p: { name: string }) => p.name === 'greeter').enabled, false, 'bad input did not half-apply');
    const good = await h.call('PUT', `/api/v1/accounts/${h.bot.id}/plugins/greeter`, { body: { enabled: true, config: { greeting: 'yo', times: 2 } } });
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.equal(good.body.enabled, true);
    assert.deepEqual(good.body.config, { greeting: 'yo', times: 2 });
    const since = (await h.sb.control.sent()).next;
    await h.sb.control.sendMessage({ from: friend.nickname, text: 'hi' });
    await until(async () => (await sentTo(friend.nickname, since)).some((m) => m.text === 'yoyo'), 10_000, 'the plugin reply');
    assert.equal((await h.call('PUT', `/api/v1/accounts/${h.bot.id}/plugins/nope`, { body: { enabled: true } })).status, 404);
    assert.equal((await h.call('PUT', `/api/v1/accounts/${h.bot.id}/plugins/greeter`, { body: { enabled: 'yes' } })).status, 422);
    await h.call('PUT', `/api/v1/accounts/${h.bot.id}/plugins/greeter`, { body: { enabled: false } });
  });

  it('webhooks end to end: created by the API, signed, and a {"reply"} answer reaches the chat in the sandbox', async () => {
    const receiver = new Receiver();
    await receiver.start();
    try {
      receiver.answer = (r) =>
        r.json.type === 'message.received'
          ? { status: 200, body: JSON.stringify({ reply: { text: `hook got: ${String(r.json.data!.text)}` } }) }
          : { status: 200 };
      const created = await h.call('POST', '/api/v1/webhooks', { body: { url: receiver.url, eventTypes: ['message.received'] } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const secret = created.body.secret as string;
      assert.match(secret, /^whsec_/);
      const listed = await h.call('GET', '/api/v1/webhooks');
      assert.ok(listed.body.items.every((e: Record<string, unknown>) => !('secret' in e)));
      const since = (await h.sb.control.sent()).next;
      await h.sb.control.sendMessage({ from: friend2.nickname, text: 'hello hook' });
      await until(
        async () => (await sentTo(friend2.nickname, since)).some((m) => m.text === 'hook got: hello hook'),
        15_000,
        'the webhook reply in the sandbox',
      );
      const got = receiver.log.find((r) => r.json.data?.text === 'hello hook')!;
      new Webhook(secret).verify(got.body, { 'webhook-id': got.id, 'webhook-timestamp': got.timestamp, 'webhook-signature': got.signature });
      assert.equal(got.json.account, h.bot.id);
      // The delivery log over the API.
      const id = created.body.id as string;
      // The reply reaches the sandbox before the worker records the attempt: wait for the delivery to be marked.
      let d: { id: string; status: string } | undefined;
      await until(
        async () => {
          const log = await h.call('GET', `/api/v1/webhooks/${id}/deliveries`);
          assert.equal(log.status, 200);
          d = log.body.items[0];
          return d?.status === 'delivered';
        },
        10_000,
        'the delivery marked delivered',
      );
      const one = await h.call('GET', `/api/v1/webhooks/${id}/deliveries/${d!.id}`);
      assert.equal(one.body.attemptLog[0].statusCode, 200);
      const again = await h.call('POST', `/api/v1/webhooks/${id}/deliveries/${d!.id}/redeliver`);
      assert.equal(again.status, 202);
      await until(() => receiver.log.filter((r) => r.id === got.id).length === 2, 10_000, 'the redelivery');
      await new Promise((r) => setTimeout(r, 300));
      // The redelivery reuses the idempotency key of the reply: the chat gets it once.
      assert.equal((await sentTo(friend2.nickname, since)).filter((m) => m.text === 'hook got: hello hook').length, 1);
      const test = await h.call('POST', `/api/v1/webhooks/${id}/test`);
      assert.equal(test.status, 202);
      await until(() => receiver.log.some((r) => r.json.type === 'webhook.test'), 10_000, 'the test event');
      const rotated = await h.call('POST', `/api/v1/webhooks/${id}/rotate`, { body: { overlapSeconds: 0 } });
      assert.match(rotated.body.secret, /^whsec_/);
      const patched = await h.call('PATCH', `/api/v1/webhooks/${id}`, { body: { enabled: false, keywords: ['x'] } });
      assert.equal(patched.body.enabled, false);
      assert.equal((await h.call('PATCH', `/api/v1/webhooks/${id}`, { body: { url: 'nope' } })).status, 422);
      assert.equal((await h.call('DELETE', `/api/v1/webhooks/${id}`)).status, 204);
      assert.equal((await h.call('GET', `/api/v1/webhooks/${id}`)).status, 404);
    } finally {
      await receiver.stop();
    }
  });

  it('serves media of a message through a signed, expiring link only', async () => {
    const receiver = new Receiver();
    await receiver.start();
    try {
      const { endpoint } = await h.webhooks.createEndpoint({ url: receiver.url, eventTypes: ['message.received'] });
      await h.sb.control.sendMessage({ from: friend.nickname, type: 'image', text: '' });
      await until(() => receiver.log.some((r) => r.json.data?.type === 'image'), 15_000, 'the image webhook');
      const r = receiver.log.find((x) => x.json.data?.type === 'image')!;
      const link = (r.json.data!.media as { url: string }).url;
      assert.ok(link.startsWith(h.url + '/media/'), link);
      const res = await fetch(link);
      assert.equal(res.status, 200);
      assert.ok((await res.arrayBuffer()).byteLength > 0);
      const forged = new URL(link);
      forged.searchParams.set('exp', String(Number(forged.searchParams.get('exp')) + 1));
      assert.equal((await fetch(forged)).status, 403);
      await h.webhooks.deleteEndpoint(endpoint.id);
    } finally {
      await receiver.stop();
    }
  });
});
