// The delivery loop in a cluster (deliveries as jobs, src/cluster/webhook-jobs.ts), on a real store:
// at start it leaves rows 'delivering' alone (another live node's, or a dead node's whose job stalls),
// hands each due head over as a job instead of delivering it, and puts back to 'pending' a row left
// 'delivering' so long that its job must have been lost.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import { FakeClock } from '../../src/util/clock.js';
import { waitUntil } from '../../src/testing/wait.js';
import { createWebhookService, type DeliveryJobs } from '../../src/webhook/index.js';
import { STALE_DELIVERING_MS } from '../../src/webhook/worker.js';

describe('webhook deliveries as jobs', () => {
  let dir: string;
  let store: Store;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-wh-jobs-'));
    store = await openTestStore({ dataDir: dir });
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("leaves a live node's delivery alone, queues due heads as jobs, and requeues one stuck past the limit", async () => {
    const t0 = Date.UTC(2025, 0, 1, 8);
    const clock = new FakeClock(t0);
    const added: number[] = [];
    const jobs: DeliveryJobs = { add: async (rows) => void added.push(...rows.map((r) => r.id)), start: () => {} };
    const service = await createWebhookService({ store, log: silentLogger(), clock, sendReply: async () => {}, jobs });
    await service.createEndpoint({ url: 'http://127.0.0.1:9/hook' });
    const event = (chatId: string) =>
      store.transaction((tx) =>
        service.eventWriter({ type: 'message.received', account: 'a1', chatId, at: clock.now(), data: { id: chatId, text: chatId } }, tx),
      );
    for (const chat of ['stuck', 'live', 'due']) await event(chat);
    const rows = (await store.webhookDeliveries.list({})).reverse();
    const [stuck, live, due] = rows.map((r) => r.id);
    // 'stuck' has been delivering since t0; 'live' since just now (a node is making it).
    await store.webhookDeliveries.claim([stuck!], t0);
    await clock.advance(STALE_DELIVERING_MS + 1000);
    await store.webhookDeliveries.claim([live!], clock.now());

    service.start();
    await waitUntil(async () => added.includes(stuck!) && added.includes(due!), 10_000, 'the due heads handed over as jobs');
    await service.stop();
    assert.equal((await store.webhookDeliveries.get(live!))!.status, 'delivering', "the live node's row is left alone");
    assert.equal((await store.webhookDeliveries.get(stuck!))!.status, 'pending', 'the stuck row is queued again');
    assert.equal((await store.webhookDeliveries.get(due!))!.status, 'pending', 'handed over, not delivered here');
    assert.ok(!added.includes(live!));
  });
});
