import { describe, it, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import { createWebhookService, type WebhookService, type ReplySender } from '../../src/webhook/index.js';
import type { BotEvent } from '../../src/bot/types.js';
import { Receiver } from './receiver.js';
import { waitUntil as until } from '../../src/testing/wait.js';
import { FakeClock } from '../../src/util/clock.js';

const fast = {
  concurrency: 4,
  pollMs: 50,
  timeoutMs: 2000,
  graceMs: 500,
  retry: { baseMs: 20, maxMs: 150, maxAgeMs: 60_000 },
  breaker: { threshold: 3, cooldownMs: 60, maxCooldownMs: 200 },
};

function msg(account: string, chatId: string, n: number, text = `m${n}`): BotEvent {
  return {
    type: 'message.received',
    account,
    chatId,
    at: Date.now(),
    data: {
      id: `${chatId}-${n}`,
      type: 'text',
      chatId,
      senderId: chatId,
      toId: 'self',
      isSelf: false,
      text,
      mentionsSelf: false,
      mentions: [],
      createdAt: Date.now(),
    },
  };
}

describe('webhook service', () => {
  let dir: string;
  let store: Store;
  let receiver: Receiver;
  let service: WebhookService;
  let replies: { account: string; chatId: string; content: unknown; options: unknown }[];
  let makeService: (extra?: Partial<Parameters<typeof createWebhookService>[0]>) => Promise<WebhookService>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-wh-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    store = await openTestStore({ dataDir: mkdtempSync(join(dir, 'd-')) });
    receiver = new Receiver();
    await receiver.start();
    replies = [];
    const sendReply: ReplySender = async (account, chatId, content, options) => {
      replies.push({ account, chatId, content, options });
    };
    makeService = (extra = {}) =>
      createWebhookService({
        store,
        log: silentLogger(),
        publicUrl: 'http://127.0.0.1:9',
        allowPrivateUrls: true,
        sendReply,
        worker: fast,
        ...extra,
      });
    service = await makeService();
  });
  afterEach(async () => {
    await service.stop();
    await receiver.stop();
    store.close();
  });

  /** Journal one event as the bot does: the writer runs inside a store transaction. */
  const write = (e: BotEvent): Promise<void> => store.transaction((tx) => service.eventWriter(e, tx));

  it('signs every delivery so that the standardwebhooks package verifies it, with the documented body', async () => {
    const { secret, endpoint } = await service.createEndpoint({ url: receiver.url });
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    assert.ok(Buffer.from(secret.slice(6), 'base64').length >= 24);
    service.start();
    await write(msg('a1', 'c1', 1, 'hello'));
    await receiver.waitFor(() => receiver.log.length === 1);
    const r = receiver.log[0]!;
    const wh = new Webhook(secret);
    const verified = wh.verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature }) as Record<string, unknown>;
    assert.equal(verified.type, 'message.received');
    assert.equal(verified.account, 'a1');
    assert.match(String(verified.timestamp), /^\d{4}-\d\d-\d\dT/);
    assert.equal((verified.data as { text: string }).text, 'hello');
    assert.match(r.id, /^msg_/);
    // A wrong secret does not verify.
    assert.throws(() =>
      new Webhook('whsec_' + Buffer.alloc(32, 7).toString('base64')).verify(r.body, {
        'webhook-id': r.id,
        'webhook-timestamp': r.timestamp,
        'webhook-signature': r.signature,
      }),
    );
    // The attempt is logged with its status and answer.
    await until(async () => (await service.listDeliveries()).items[0]?.status === 'delivered');
    const page = await service.listDeliveries({ endpointId: endpoint.id });
    assert.equal(page.items.length, 1);
    const d = (await service.getDelivery(page.items[0]!.id))!;
    assert.equal(d.status, 'delivered');
    assert.equal(d.attemptLog.length, 1);
    assert.equal(d.attemptLog[0]!.statusCode, 200);
    assert.equal(d.attemptLog[0]!.response, 'ok');
  });

  it('an endpoint registered through the API that points inward is refused at every delivery, one from the panel is not', async () => {
    await service.stop();
    service = await makeService({ allowPrivateUrls: false });
    const api = (await service.createEndpoint({ url: receiver.url, chats: ['c-api'] }, { source: 'api' })).endpoint;
    const panel = (await service.createEndpoint({ url: receiver.url, chats: ['c-panel'] }, { source: 'panel' })).endpoint;
    service.start();
    await write(msg('a1', 'c-api', 1));
    await write(msg('a1', 'c-panel', 1));
    await receiver.waitFor(() => receiver.log.length === 1);
    await until(async () => ((await service.listDeliveries({ endpointId: api.id })).items[0]?.attempts ?? 0) >= 1);
    const refused = (await service.getDelivery((await service.listDeliveries({ endpointId: api.id })).items[0]!.id))!;
    assert.notEqual(refused.status, 'delivered');
    assert.match(refused.attemptLog[0]!.error ?? '', /private or loopback address; refused/);
    // The receiver answers before the worker records the delivery: wait for the record, not the request.
    await until(async () => (await service.listDeliveries({ endpointId: panel.id })).items[0]?.status === 'delivered');
    // The API endpoint's attempt was refused before any connection was made, so the one request seen is the panel's.
    assert.equal(receiver.log.length, 1, 'only the panel endpoint was reached');
  });

  it('a receiver that answers 503 and then refuses connections gets every event once per webhook-id, in order per chat', async () => {
    await service.createEndpoint({ url: receiver.url });
    let down = true;
    receiver.answer = () => (down ? { status: 503, body: 'maintenance' } : { status: 200 });
    service.start();
    const chats = ['c1', 'c2', 'c3'];
    for (let i = 0; i < 30; i++) await write(msg('a1', chats[i % 3]!, i));
    await receiver.waitFor(() => receiver.all.length >= 3);
    await receiver.stop(); // connection refused for a while
    await new Promise((r) => setTimeout(r, 300));
    down = false;
    await receiver.start();
    await receiver.waitFor(() => receiver.unique().length === 30);
    await new Promise((r) => setTimeout(r, 100));
    const unique = receiver.unique();
    assert.equal(unique.length, 30);
    for (const chat of chats) {
      const order = unique.filter((r) => r.json.data!.chatId === chat).map((r) => Number(String(r.json.data!.id).split('-')[1]));
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        `chat ${chat} out of order: ${order.join(',')}`,
      );
      assert.equal(order.length, 10);
    }
    // Failed attempts were logged before the success.
    const failed = (await service.listDeliveries({ limit: 200 })).items.filter((d) => d.attempts > 1);
    assert.ok(failed.length > 0);
    assert.ok((await service.attempts(failed[0]!.id)).some((a) => a.statusCode === 503 || /ECONNREFUSED|fetch failed/.test(a.error ?? '')));
  });

  it('a failing head blocks its own chat and no other', async () => {
    await service.createEndpoint({ url: receiver.url });
    receiver.answer = (r) => (r.json.data!.chatId === 'bad' ? { status: 500, body: 'boom' } : { status: 200 });
    service.start();
    for (let i = 0; i < 5; i++) {
      await write(msg('a1', 'bad', i));
      await write(msg('a1', 'good', i));
    }
    await receiver.waitFor(() => receiver.unique().filter((r) => r.json.data!.chatId === 'good').length === 5);
    const badSeen = new Set(receiver.all.filter((r) => r.json.data!.chatId === 'bad').map((r) => r.json.data!.id));
    assert.deepEqual([...badSeen], ['bad-0'], 'only the head of the failing chat was tried');
    receiver.answer = () => ({ status: 200 });
    await receiver.waitFor(() => receiver.unique().length === 10, 10_000);
    const bad = receiver
      .unique()
      .filter((r) => r.json.data!.chatId === 'bad')
      .map((r) => r.json.data!.id);
    assert.deepEqual(bad, ['bad-0', 'bad-1', 'bad-2', 'bad-3', 'bad-4']);
  });

  it('dead-letters after the give-up time and redelivers one or all dead deliveries with the same webhook-id', async () => {
    await service.stop();
    // The give-up time runs on a FakeClock: on a busy machine a real 250 ms passed while the first attempts were
    // still queued, and the 5 s loop that waited for the dead letters raced the machine's speed.
    const clock = new FakeClock(Date.now());
    service = await makeService({ clock, worker: { ...fast, retry: { baseMs: 20, maxMs: 40, maxAgeMs: 250 } } });
    const { endpoint } = await service.createEndpoint({ url: receiver.url });
    receiver.answer = () => ({ status: 500 });
    service.start();
    await write(msg('a1', 'c1', 1));
    await write(msg('a1', 'c2', 2));
    // Time moves only here, a step at a time, while the worker's requests and writes run for real.
    const advanceUntil = (cond: () => boolean | Promise<boolean>, what: string): Promise<void> =>
      until(
        async () => {
          await clock.advance(50);
          return cond();
        },
        30_000,
        what,
      );
    await advanceUntil(async () => (await service.listDeliveries({ status: 'dead' })).items.length === 2, 'both deliveries to dead-letter');
    const dead = (await service.listDeliveries({ status: 'dead' })).items;
    assert.match(dead[0]!.lastError ?? '', /gave up/);
    const firstIds = new Set(receiver.all.map((r) => r.id));
    receiver.answer = () => ({ status: 200 });
    const one = await service.redeliver(dead[0]!.id);
    assert.equal(one.status, 'pending');
    await advanceUntil(() => receiver.log.length === 1, 'the redelivery');
    assert.equal(receiver.log[0]!.id, dead[0]!.webhookId);
    await assert.rejects(() => service.redeliver(dead[0]!.id === one.id ? 999999 : one.id), /No delivery|only dead/);
    assert.equal(await service.redeliverDead(endpoint.id), 1);
    await advanceUntil(() => receiver.log.length === 2, 'the second redelivery');
    assert.ok(
      receiver.log.every((r) => firstIds.has(r.id)),
      'redeliveries keep their webhook-id',
    );
  });

  it('opens the circuit after repeated failures: fewer attempts while the receiver is down', async () => {
    await service.createEndpoint({ url: receiver.url });
    receiver.answer = () => ({ status: 500 });
    service.start();
    for (let i = 0; i < 8; i++) await write(msg('a1', `c${i}`, i));
    // Wait for the breaker to open however slow the machine is (a fixed 400 ms sleep assumed three failures by then).
    // Without the breaker, 8 chats keep retrying every 20-150 ms; once it is open only a probe per cool-down gets through.
    await until(async () => (await service.listEndpoints())[0]!.breaker !== 'closed', 10_000, 'the breaker to open');
    assert.ok(receiver.all.length < 40, `too many attempts: ${receiver.all.length}`);
    receiver.answer = () => ({ status: 200 });
    await receiver.waitFor(() => receiver.unique().length === 8, 10_000);
    assert.equal((await service.listEndpoints())[0]!.breaker, 'closed');
  });

  it('sends a reply found in a 2xx answer back to the chat, once per webhook-id', async () => {
    await service.createEndpoint({ url: receiver.url });
    receiver.answer = (r) =>
      r.json.data!.text === 'img'
        ? { status: 200, body: JSON.stringify({ reply: { type: 'image', url: `http://127.0.0.1:${receiver.port}/pic.png` } }) }
        : { status: 200, body: JSON.stringify({ reply: { text: `re: ${String(r.json.data!.text)}` } }) };
    service.start();
    await write(msg('a1', 'c1', 1, 'ping'));
    await receiver.waitFor(() => replies.length === 1);
    assert.equal(replies[0]!.account, 'a1');
    assert.equal(replies[0]!.chatId, 'c1');
    assert.deepEqual(replies[0]!.content, { type: 'text', text: 're: ping' });
    const opts = replies[0]!.options as { idempotencyKey: string; source: string; replyTo: string };
    assert.equal(opts.source, 'webhook');
    assert.equal(opts.replyTo, 'c1-1');
    assert.match(opts.idempotencyKey, /^webhook:ep_\w+:msg_/);
    // An image reply is fetched (the receiver serves the "image" too: it answers JSON for any POST, and GET returns the same body).
    await write(msg('a1', 'c2', 2, 'img'));
    await receiver.waitFor(() => replies.length === 2);
    const img = replies[1]!.content as { type: string; file: { name: string; data: Buffer } };
    assert.equal(img.type, 'image');
    assert.equal(img.file.name, 'pic.png');
    assert.ok(Buffer.isBuffer(img.file.data));
  });

  it('records a malformed reply in the attempt log and still counts the delivery as delivered', async () => {
    await service.createEndpoint({ url: receiver.url });
    receiver.answer = () => ({ status: 200, body: '{"reply": {"type": "sticker"}}' });
    service.start();
    await write(msg('a1', 'c1', 1));
    await receiver.waitFor(() => receiver.log.length === 1);
    await until(async () => (await service.listDeliveries()).items[0]?.status === 'delivered');
    const d = (await service.listDeliveries()).items[0]!;
    assert.equal(d.status, 'delivered');
    assert.match((await service.attempts(d.id))[0]!.error ?? '', /reply ignored: reply.type/);
    assert.equal(replies.length, 0);
  });

  it('filters by event type, account, chat, keyword, self messages and the enabled flag', async () => {
    const mk = async (f: Record<string, unknown>) => (await service.createEndpoint({ url: receiver.url, ...f })).endpoint.id;
    const all = await mk({});
    const types = await mk({ eventTypes: ['friend.request'] });
    const acct = await mk({ accounts: ['a2'] });
    const chat = await mk({ chats: ['c9'] });
    const kw = await mk({ keywords: ['HELP'] });
    const self = await mk({ includeSelf: true });
    const off = await mk({ enabled: false });
    await write(msg('a1', 'c1', 1, 'please help me'));
    await write(msg('a2', 'c9', 2, 'nothing'));
    await write({ type: 'friend.request', account: 'a1', at: Date.now(), data: { name: 'x' } });
    const selfMsg = msg('a1', 'c1', 3, 'mine');
    (selfMsg.data as { isSelf: boolean }).isSelf = true;
    await write(selfMsg);
    const count = async (id: string) => (await service.listDeliveries({ endpointId: id })).items.length;
    assert.equal(await count(all), 3);
    assert.equal(await count(types), 1);
    assert.equal(await count(acct), 1);
    assert.equal(await count(chat), 1);
    assert.equal(await count(kw), 1);
    assert.equal(await count(self), 4);
    assert.equal(await count(off), 0);
  });

  it('writes for an endpoint made or switched on after events found none, and stops for one switched off', async () => {
    // The second write finds "no endpoint" known already.
    await write(msg('a1', 'c1', 0));
    await write(msg('a1', 'c1', 1));
    assert.equal((await service.listDeliveries({})).items.length, 0);
    const id = (await service.createEndpoint({ url: receiver.url, enabled: false })).endpoint.id;
    await write(msg('a1', 'c1', 2));
    assert.equal((await service.listDeliveries({})).items.length, 0);
    await service.updateEndpoint(id, { enabled: true });
    await write(msg('a1', 'c1', 3));
    const other = (await service.createEndpoint({ url: receiver.url })).endpoint.id;
    await write(msg('a1', 'c1', 4));
    await service.updateEndpoint(id, { enabled: false });
    await write(msg('a1', 'c1', 5));
    const count = async (ep: string) => (await service.listDeliveries({ endpointId: ep })).items.length;
    assert.equal(await count(id), 2);
    assert.equal(await count(other), 2);
  });

  it('a chats filter matches a chat by name or stable id as well as by id, so it outlives a re-login', async () => {
    const mk = async (chats: string[]) => (await service.createEndpoint({ url: receiver.url, chats })).endpoint.id;
    const byName = await mk([' family ']);
    const byStable = await mk(['wxid_fam']);
    const byOldId = await mk(['@old-session-id']);
    // The same group in two login sessions: the id changes, its name and stable id do not.
    for (const [n, id] of [
      [1, '@old-session-id'],
      [2, '@new-session-id'],
    ] as const) {
      await write({ ...msg('a1', id, n), chat: { name: 'Family', stableId: 'wxid_fam' } });
    }
    await write({ ...msg('a1', '@someone', 3), chat: { name: 'Bob' } });
    const items = async (id: string) => (await service.listDeliveries({ endpointId: id })).items;
    assert.equal((await items(byName)).length, 2);
    assert.equal((await items(byStable)).length, 2);
    assert.equal((await items(byOldId)).length, 1);
  });

  it('writes nothing when the caller transaction rolls back, and the same message twice gives one delivery', async () => {
    await service.createEndpoint({ url: receiver.url });
    await assert.rejects(() =>
      store.transaction(async (tx) => {
        await service.eventWriter(msg('a1', 'c1', 1), tx);
        throw new Error('rollback');
      }),
    );
    assert.equal((await service.listDeliveries()).items.length, 0);
    await write(msg('a1', 'c1', 1));
    await write(msg('a1', 'c1', 1));
    assert.equal((await service.listDeliveries()).items.length, 1);
  });

  it('rotates a secret: during the overlap both secrets verify, after it only the new one', async () => {
    const { endpoint, secret: old } = await service.createEndpoint({ url: receiver.url });
    const { secret: next, oldSecretUntil } = await service.rotateSecret(endpoint.id, { overlapMs: 60_000 });
    assert.ok(oldSecretUntil);
    assert.notEqual(next, old);
    service.start();
    await write(msg('a1', 'c1', 1));
    await receiver.waitFor(() => receiver.log.length === 1);
    const r = receiver.log[0]!;
    const h = { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature };
    assert.equal(r.signature.split(' ').length, 2);
    new Webhook(old).verify(r.body, h);
    new Webhook(next).verify(r.body, h);
    const { secret: third } = await service.rotateSecret(endpoint.id, { overlapMs: 0 });
    await write(msg('a1', 'c1', 2));
    await receiver.waitFor(() => receiver.log.length === 2);
    const r2 = receiver.log[1]!;
    const h2 = { 'webhook-id': r2.id, 'webhook-timestamp': r2.timestamp, 'webhook-signature': r2.signature };
    new Webhook(third).verify(r2.body, h2);
    assert.throws(() => new Webhook(next).verify(r2.body, h2));
    await assert.rejects(() => service.rotateSecret(endpoint.id, { overlapMs: -1 }), /overlapMs/);
  });

  it('ensures the endpoint from WEBHOOK_URL/WEBHOOK_SECRET once, and a test event reaches it', async () => {
    const a = await service.ensureEndpointFromConfig(receiver.url, 'a long shared passphrase');
    const b = await service.ensureEndpointFromConfig(receiver.url, 'a long shared passphrase');
    assert.equal(a.id, b.id);
    assert.equal((await service.listEndpoints()).length, 1);
    assert.equal(a.source, 'config');
    service.start();
    const d = await service.sendTest(a.id);
    await receiver.waitFor(() => receiver.log.length === 1);
    const r = receiver.log[0]!;
    assert.equal(r.json.type, 'webhook.test');
    assert.equal(r.id, d.webhookId);
    const secret = 'whsec_' + Buffer.from('a long shared passphrase').toString('base64');
    new Webhook(secret).verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature });
  });

  it('rejects bad endpoint input without writing anything', async () => {
    await assert.rejects(() => service.createEndpoint({ url: 'ftp://x' }), /url/);
    await assert.rejects(() => service.createEndpoint({ url: receiver.url, eventTypes: ['nope'] }), /eventTypes/);
    await assert.rejects(() => service.createEndpoint({ url: receiver.url, extra: 1 }), /extra|Unrecognized/i);
    assert.equal((await service.listEndpoints()).length, 0);
    const { endpoint } = await service.createEndpoint({ url: receiver.url });
    await assert.rejects(() => service.updateEndpoint(endpoint.id, { keywords: 'x' }), /keywords/);
    assert.equal((await service.getEndpoint(endpoint.id))!.keywords.length, 0);
    await assert.rejects(() => service.updateEndpoint('ep_missing', {}), /No webhook endpoint/);
  });

  it('gives media messages a signed, expiring download link', async () => {
    await service.createEndpoint({ url: receiver.url });
    const e = msg('a1', 'c1', 1);
    (e.data as Record<string, unknown>).media = { fileName: 'x.png', mimeType: 'image/png' };
    await write(e);
    const d = (await service.getDelivery((await service.listDeliveries()).items[0]!.id))!;
    const url = new URL((JSON.parse(d.body) as { data: { media: { url: string } } }).data.media.url);
    assert.equal(url.pathname, '/media/a1/c1-1');
    assert.equal(service.mediaLinks.verify('a1', 'c1-1', url.searchParams.get('exp')!, url.searchParams.get('sig')!), 'ok');
    assert.equal(service.mediaLinks.verify('a1', 'c1-2', url.searchParams.get('exp')!, url.searchParams.get('sig')!), 'invalid');
    assert.equal(service.mediaLinks.verify('a1', 'c1-1', '1', url.searchParams.get('sig')!), 'invalid');
  });
});
