import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { markAll } from '../helpers/settled.js';
import { OutboundQueue, UNMARKED_HANDOVER_MS } from '../../src/bot/outbound-queue.js';
import { SAFE_PACING, type PacingProfile } from '../../src/bot/pacing.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { TransportError } from '../../src/transport/errors.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/logger.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';
import { rawRows } from '../helpers/raw-db.js';
import { waitUntil } from '../../src/testing/wait.js';
import { storeSettled } from '../helpers/store-activity.js';

describe('OutboundQueue', () => {
  let dir: string;
  let store: Store;
  let clock: FakeClock;
  let fake: FakeTransport;
  let queue: OutboundQueue;
  let online: boolean;

  function make(pacing: PacingProfile | null, repo: Store['outbound'] = store.outbound): OutboundQueue {
    return new OutboundQueue({
      account: 'a1',
      repo,
      transport: () => fake,
      clock,
      log: silentLogger(),
      pacing,
      canSend: () => online,
      commitSettled: (records) => markAll(store, records),
    });
  }
  const enqueue = (chatId: string, text: string, key?: string) =>
    queue.enqueue({ id: randomUUID(), account: 'a1', chatId, type: 'text', text, createdAt: clock.now(), ...(key && { idempotencyKey: key }) });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-q-'));
    store = await openTestStore({ dataDir: dir });
    await store.accounts.create({ name: 'a', id: 'a1' });
    clock = new FakeClock(Date.UTC(2025, 0, 1, 8));
    // A send's writes wait on the server on PostgreSQL: each step of the clock waits for them first.
    clock.settle = storeSettled(store);
    fake = new FakeTransport({ now: () => clock.now() });
    await fake.start();
    online = true;
  });
  afterEach(async () => {
    await queue.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with pacing off sends everything at once, in order, and records WeChat ids', async () => {
    queue = make(null);
    await queue.start();
    const recs = await Promise.all(Array.from({ length: 20 }, (_, i) => enqueue('@alice', `m${i}`)));
    assert.equal(recs[0]!.status, 'queued');
    await clock.advance(0);
    await queue.idle();
    assert.deepEqual(
      fake.sent.map((s) => s.text),
      recs.map((_, i) => `m${i}`),
    );
    const stored = (await store.outbound.get(recs[5]!.id))!;
    assert.equal(stored.status, 'sent');
    assert.equal(stored.wechatId, fake.sent[5]!.id);
  });

  it('with pacing off several chats send at once, each chat one at a time and in order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const perChat = new Map<string, number>();
    let maxPerChat = 0;
    // The first sends wait until four are in flight (or the queue would never get there): how long the store
    // takes to hand each row over (a round trip per row on PostgreSQL, under load) then decides nothing.
    let fourAtOnce = false;
    const held: (() => void)[] = [];
    const slow = Object.create(fake) as FakeTransport;
    slow.sendText = async (to: string, text: string) => {
      inFlight++;
      perChat.set(to, (perChat.get(to) ?? 0) + 1);
      maxInFlight = Math.max(maxInFlight, inFlight);
      maxPerChat = Math.max(maxPerChat, perChat.get(to)!);
      if (inFlight === 4 && !fourAtOnce) {
        fourAtOnce = true;
        for (const go of held.splice(0)) go();
      } else if (!fourAtOnce) await new Promise<void>((go) => held.push(go));
      inFlight--;
      perChat.set(to, perChat.get(to)! - 1);
      return fake.sendText(to, text);
    };
    queue = new OutboundQueue({
      account: 'a1',
      repo: store.outbound,
      transport: () => slow,
      clock,
      log: silentLogger(),
      pacing: null,
      canSend: () => online,
      commitSettled: (records) => markAll(store, records),
      maxInFlight: 4,
    });
    await queue.start();
    for (let i = 0; i < 6; i++) for (const chat of ['@a', '@b', '@c', '@d', '@e']) await enqueue(chat, `${chat}${i}`);
    await waitUntil(() => fourAtOnce, 10_000, 'four sends in flight at once');
    await queue.idle();
    assert.equal(fake.sent.length, 30);
    assert.equal(maxInFlight, 4, 'four sends in flight at once');
    assert.equal(maxPerChat, 1, 'never two sends to one chat at once');
    for (const chat of ['@a', '@b', '@c', '@d', '@e']) {
      assert.deepEqual(
        fake.sent.filter((x) => x.to === chat).map((x) => x.text),
        [0, 1, 2, 3, 4, 5].map((i) => `${chat}${i}`),
      );
    }
  });

  it('safe pacing: a burst of 5, then one per 3 s globally, with jitter', async () => {
    queue = make({ ...SAFE_PACING, perChat: { burst: 100, intervalMs: 1 } });
    await queue.start();
    for (let i = 0; i < 12; i++) await enqueue(`@c${i}`, `m${i}`);
    // The burst (5 sends) goes within the jitter window (at most 5 × 2 s).
    await clock.advance(10_000);
    const afterBurst = fake.sent.length;
    assert.ok(afterBurst >= 5 && afterBurst <= 8, `sent ${afterBurst} in the first 10 s`);
    await clock.advance(60_000);
    assert.equal(fake.sent.length, 12);
    // Token-bucket invariant: in any window, sends <= burst + window / 3 s.
    const at = fake.sent.map((s) => s.at);
    for (let i = 0; i < at.length; i++) {
      for (let j = i; j < at.length; j++) {
        assert.ok(j - i + 1 <= 5 + (at[j]! - at[i]!) / 3000 + 1e-9, `${j - i + 1} sends within ${at[j]! - at[i]!} ms`);
      }
    }
    // Each send waits its jitter (0.5–2 s), so the gaps vary and are never below 0.5 s.
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    for (const g of gaps) assert.ok(g >= 500, `gap ${g}`);
    assert.ok(new Set(gaps).size > 1, 'jittered');
  });

  it('safe pacing: per-chat bucket slows one chat while others go on', async () => {
    queue = make({ ...SAFE_PACING, global: { burst: 100, intervalMs: 1 }, jitterMs: [0, 0] });
    await queue.start();
    for (let i = 0; i < 5; i++) await enqueue('@flood', `f${i}`);
    await enqueue('@other', 'o');
    await clock.advance(100);
    // 3 to @flood (burst), then @other is not stuck behind @flood.
    assert.deepEqual(
      fake.sent.map((s) => s.text),
      ['f0', 'f1', 'f2', 'o'],
    );
    await clock.advance(6_000);
    assert.equal(fake.sent.length, 5);
    await clock.advance(6_000);
    assert.deepEqual(
      fake.sent.map((s) => s.text),
      ['f0', 'f1', 'f2', 'o', 'f3', 'f4'],
    );
  });

  it('safe pacing: the daily cap holds the rest until the next UTC day', async () => {
    queue = make({ global: { burst: 1000, intervalMs: 1 }, perChat: { burst: 1000, intervalMs: 1 }, jitterMs: [0, 0], dailyCap: 3 });
    await queue.start();
    for (let i = 0; i < 5; i++) await enqueue('@a', `m${i}`);
    await clock.advance(1000);
    assert.equal(fake.sent.length, 3);
    await clock.advance(3 * 3600_000);
    assert.equal(fake.sent.length, 3, 'still capped later the same day');
    await clock.advance(13 * 3600_000); // past midnight UTC
    assert.equal(fake.sent.length, 5);
  });

  it('retries 1205 with growing back-off, then records success', async () => {
    queue = make(null);
    await queue.start();
    fake.failNext(new TransportError('rate-limited', 'frequency', 1205), 2);
    const rec = await enqueue('@a', 'hello');
    await clock.advance(0);
    assert.equal(fake.sent.length, 0);
    assert.equal((await store.outbound.get(rec.id))!.status, 'queued');
    assert.equal((await store.outbound.get(rec.id))!.error?.code, 1205);
    await clock.advance(3_000);
    assert.equal(fake.sent.length, 0, 'first back-off is ~5 s');
    await clock.advance(3_000);
    assert.equal(fake.sent.length, 0, 'second back-off is ~10 s');
    await clock.advance(10_000);
    assert.equal(fake.sent.length, 1);
    const done = await queue.waitFor(rec.id, 1000);
    assert.equal(done.status, 'sent');
    assert.equal(done.attempts, 3);
  });

  it('gives up after the retry budget and marks failed with the code; rejected sends fail at once', async () => {
    queue = make(null);
    await queue.start();
    fake.failNext(new TransportError('network', 'ECONNRESET'), 100);
    const rec = await enqueue('@a', 'x');
    const waiting = queue.waitFor(rec.id, 10 * 60_000);
    for (let i = 0; i < 10; i++) await clock.advance(60_000);
    const r = await waiting;
    assert.equal(r.status, 'failed');
    assert.equal(r.attempts, 5);
    assert.match(r.error!.message, /ECONNRESET/);

    fake.clearFailures();
    fake.failNext(new TransportError('rejected', 'no such user', 1204), 1);
    const r2 = await enqueue('@nobody', 'y');
    await clock.advance(0);
    const f = await queue.waitFor(r2.id, 1000);
    assert.equal(f.status, 'failed');
    assert.equal(f.error?.code, 1204);
  });

  it('parks while offline and resumes when woken', async () => {
    queue = make(null);
    online = false;
    await queue.start();
    await enqueue('@a', 'later');
    await clock.advance(10_000);
    assert.equal(fake.sent.length, 0);
    online = true;
    queue.wake();
    await clock.advance(0);
    await queue.idle();
    assert.equal(fake.sent.length, 1);
  });

  it('the same idempotency key returns the first record and sends once', async () => {
    queue = make(null);
    await queue.start();
    const a = await enqueue('@a', 'once', 'key-1');
    const b = await enqueue('@a', 'twice', 'key-1');
    assert.equal(a.id, b.id);
    await clock.advance(0);
    await queue.idle();
    assert.deepEqual(
      fake.sent.map((s) => s.text),
      ['once'],
    );
  });

  it('a fresh row goes out with no hand-over mark of its own; a retry and a row that waited over a minute are marked (committed) before the call', async () => {
    // What another connection sees at the moment of each call: committed state only.
    const handedAtCall: Record<string, unknown> = {};
    const send = fake.sendText.bind(fake);
    fake.sendText = async (to: string, text: string) => {
      const call = `${text} #${fake.sent.length + 1}`;
      handedAtCall[call] = (await rawRows<{ handed_at: unknown }>(dir, 'select handed_at from outbound where text = ?', text))[0]!.handed_at;
      return send(to, text);
    };
    queue = make(null);
    await queue.start();
    await enqueue('@a', 'fresh');
    await clock.advance(0);
    await queue.idle();
    online = false;
    await enqueue('@b', 'waited');
    await clock.advance(UNMARKED_HANDOVER_MS + 1_000);
    online = true;
    queue.wake();
    await clock.advance(0);
    await queue.idle();
    fake.failNext(new TransportError('rate-limited', 'frequency', 1205), 1);
    const retried = await enqueue('@c', 'retried');
    await clock.advance(0);
    // The look at the committed row is a call of its own (not the store's): the refusal is recorded before time goes on.
    await waitUntil(async () => (await store.outbound.get(retried.id))?.error?.code === 1205, 5000, 'the refused hand-over recorded');
    await clock.advance(10_000);
    await queue.idle();
    assert.deepEqual(Object.keys(handedAtCall), ['fresh #1', 'waited #2', 'retried #3']);
    assert.equal(handedAtCall['fresh #1'], null, 'the first hand-over of a fresh row committed nothing before the call');
    assert.ok(typeof handedAtCall['waited #2'] === 'number', 'a row queued over a minute ago is marked before the call');
    assert.ok(typeof handedAtCall['retried #3'] === 'number', 'a retry is marked before the call');
  });

  it('after a restart, queued rows (and rows cut off while sending) are sent', async () => {
    queue = make(null);
    online = false;
    await queue.start();
    const r1 = await enqueue('@a', 'one');
    await enqueue('@a', 'two');
    await store.outbound.markSending(r1.id); // as if the process died mid-call
    await queue.stop();
    online = true;
    queue = make(null);
    await queue.start();
    await clock.advance(0);
    await queue.idle();
    assert.deepEqual(
      fake.sent.map((s) => s.text),
      ['one', 'two'],
    );
  });

  // A cluster: rows another node committed for this account (a send accepted there) are adopted once,
  // and a row kept in memory from an earlier run here is not sent again when another node sent it
  // meanwhile (the account ran there between two runs here).
  it('adopts a row committed elsewhere once, however often it is routed, and no row that is not queued', async () => {
    queue = make(null);
    await queue.start();
    const row = (text: string) => ({ id: randomUUID(), account: 'a1', chatId: '@alice', type: 'text' as const, text, createdAt: clock.now() });
    const { record } = await store.outbound.enqueue(row('from node A'));
    await Promise.all([queue.adopt(record.id), queue.adopt(record.id)]);
    await clock.advance(0);
    await queue.idle();
    await queue.adopt(record.id);
    const other = (await store.outbound.enqueue(row('sent by another holder'))).record;
    await store.outbound.markSent(other.id, 'wx-other', clock.now(), 1);
    await queue.adopt(other.id);
    await queue.adopt('no-such-row');
    await clock.advance(0);
    await queue.idle();
    assert.deepEqual(
      fake.sent.map((s) => s.text),
      ['from node A'],
    );
  });

  // A handover while the account's start still loads its rows (behind its store calls) does not wait for them: the
  // stop returns, and the start then ends without a worker. Before, that start went on to run one after the stop, with
  // the rows it had read before: a later run here found the worker running and sent them, though another node had.
  it('a stop while its rows load starts no worker; the next start loads them again', async () => {
    let reads = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const recover = store.outbound.recover.bind(store.outbound);
    // The rows as they stand, handed back only once the test opens the gate.
    queue = make(null, {
      ...store.outbound,
      recover: async (account: string) => {
        const rows = await recover(account);
        reads++;
        await gate;
        return rows;
      },
    });
    const row = (text: string) => ({ id: randomUUID(), account: 'a1', chatId: '@alice', type: 'text' as const, text, createdAt: clock.now() });
    const stale = (await store.outbound.enqueue(row('read before the stop, sent elsewhere since'))).record;
    // Tried once already: a worker sends it at once (no echo looked for first).
    await store.outbound.markRetry(stale.id, { message: 'network' }, 1);
    const starting = queue.start();
    await waitUntil(() => reads === 1, 30_000, 'the rows read');
    await queue.stop();
    await store.outbound.markSent(stale.id, 'wx-elsewhere', clock.now(), 1);
    open();
    await starting;
    await clock.advance(0);
    assert.equal(fake.sent.length, 0, 'nothing sent after the stop');
    await queue.start();
    assert.equal(reads, 2, 'the next start read the rows again');
    await enqueue('@alice', 'queued after the next start');
    await clock.advance(0);
    await queue.idle();
    assert.deepEqual(
      fake.sent.map((s) => s.text),
      ['queued after the next start'],
    );
  });

  it('drops a row it kept from an earlier run when another node sent it meanwhile', async () => {
    queue = make(null);
    online = false;
    await queue.start();
    const kept = await enqueue('@alice', 'queued here, sent elsewhere');
    const still = await enqueue('@alice', 'queued here, still queued');
    await queue.stop();
    await store.outbound.markSent(kept.id, 'wx-elsewhere', clock.now(), 1);
    online = true;
    await queue.start();
    await clock.advance(0);
    await queue.idle();
    assert.deepEqual(
      fake.sent.map((s) => s.text),
      ['queued here, still queued'],
    );
    assert.equal((await store.outbound.get(still.id))!.status, 'sent');
  });
});
