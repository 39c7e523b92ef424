/**
 * The outbound queue's 'waiting-for-user' hold (iLink reply window and quota): a refused row and
 * every later row of its chat wait, persisted, until `release(chat)`; other chats go on; a row
 * held longer than the limit fails with the reason; a restart keeps what waits.
 */
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { markAll } from '../helpers/settled.js';
import { OutboundQueue } from '../../src/bot/outbound-queue.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { TransportError } from '../../src/transport/errors.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/logger.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';

const HOUR = 3_600_000;
const windowClosed = () => new TransportError('waiting-for-user', 'iLink: reply window closed; the message waits until they write again', -2);

describe('OutboundQueue: waiting for the user', () => {
  let dir: string;
  let store: Store;
  let clock: FakeClock;
  let fake: FakeTransport;
  let queue: OutboundQueue;

  const make = (): OutboundQueue =>
    new OutboundQueue({
      account: 'a1',
      repo: store.outbound,
      transport: () => fake,
      clock,
      log: silentLogger(),
      pacing: null,
      canSend: () => true,
      commitSettled: (records) => markAll(store, records),
      maxHoldMs: 30 * HOUR,
    });
  const enqueue = (chatId: string, text: string) => queue.enqueue({ id: randomUUID(), account: 'a1', chatId, type: 'text', text, createdAt: clock.now() });
  const status = async (id: string) => (await store.outbound.get(id))!.status;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-hold-'));
    store = await openTestStore({ dataDir: dir });
    await store.accounts.create({ name: 'a', id: 'a1' });
    clock = new FakeClock(Date.UTC(2026, 0, 1, 8));
    fake = new FakeTransport({ now: () => clock.now() });
    await fake.start();
    queue = make();
  });
  afterEach(async () => {
    await queue.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a refused row holds its chat in order (later rows too, even new ones); other chats go on; release sends all in order', async () => {
    fake.failNext(windowClosed());
    const a = [await enqueue('@owner', 'a0'), await enqueue('@owner', 'a1'), await enqueue('@owner', 'a2')];
    const b = await enqueue('@other', 'b0');
    await queue.start();
    await clock.advance(0);
    await queue.idle();
    assert.deepEqual(await Promise.all(a.map((r) => status(r.id))), ['waiting-for-user', 'waiting-for-user', 'waiting-for-user']);
    assert.equal(await status(b.id), 'sent');
    assert.match((await store.outbound.get(a[0]!.id))!.error!.message, /reply window closed/);
    assert.equal((await store.outbound.get(a[0]!.id))!.attempts, 0, 'a hold is not a failed attempt');
    const late = await enqueue('@owner', 'a3');
    assert.equal(await status(late.id), 'waiting-for-user');
    assert.deepEqual(
      queue.heldRecords().map((r) => r.text),
      ['a0', 'a1', 'a2', 'a3'],
    );
    await queue.release('@owner');
    await clock.advance(0);
    await queue.idle();
    assert.deepEqual(
      fake.sent.filter((s) => s.to === '@owner').map((s) => s.text),
      ['a0', 'a1', 'a2', 'a3'],
    );
    assert.equal(await status(late.id), 'sent');
    assert.equal((await store.outbound.get(late.id))!.heldAt, undefined);
  });

  it('a row waiting longer than the limit fails with a clear reason (and waitFor sees it)', async () => {
    fake.failNext(windowClosed());
    const r = await enqueue('@owner', 'old');
    await queue.start();
    await clock.advance(0);
    await queue.idle();
    const waiting = queue.waitFor(r.id, 100 * HOUR);
    await clock.advance(29 * HOUR);
    assert.equal(await status(r.id), 'waiting-for-user');
    await clock.advance(2 * HOUR);
    const done = await waiting;
    assert.equal(done.status, 'failed');
    assert.match(done.error!.message, /waited more than 30 h for the user to write again/);
    assert.equal(await status(r.id), 'failed');
    await queue.release('@owner');
    await clock.advance(0);
    assert.equal(fake.sent.length, 0);
  });

  it('what waits survives a restart and goes once the user writes', async () => {
    fake.failNext(windowClosed());
    const r = await enqueue('@owner', 'kept');
    await queue.start();
    await clock.advance(0);
    await queue.idle();
    await queue.stop();
    queue = make();
    await queue.start();
    assert.deepEqual(
      queue.heldRecords().map((x) => x.id),
      [r.id],
    );
    await queue.release('@owner');
    await clock.advance(0);
    await queue.idle();
    assert.equal(await status(r.id), 'sent');
    assert.deepEqual(
      fake.sent.map((s) => s.text),
      ['kept'],
    );
  });
});
