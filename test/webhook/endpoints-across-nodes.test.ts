// Two webhook services over one store, as two nodes over one PostgreSQL: an endpoint created on one is used by the
// other's event writer once the other's endpoint list is ENDPOINTS_FRESH_MS old (each node keeps the list in memory).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import { FakeClock } from '../../src/util/clock.js';
import { ENDPOINTS_FRESH_MS, createWebhookService } from '../../src/webhook/service.js';
import type { BotEvent } from '../../src/bot/types.js';

const received = (n: number): BotEvent => ({
  type: 'message.received',
  account: 'a1',
  chatId: 'c1',
  at: 1,
  data: { id: `m${n}`, type: 'text', chatId: 'c1', senderId: 'c1', toId: 'self', isSelf: false, text: 'hi', mentionsSelf: false, mentions: [], createdAt: 1 },
});

describe('webhook endpoints across nodes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weiroto-wh-nodes-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a node's event writer uses an endpoint another node created, once its list has aged", async () => {
    const store = await openTestStore({ dataDir: dir });
    try {
      const clock = new FakeClock(1_000);
      const node = () => createWebhookService({ store, log: silentLogger(), clock, allowPrivateUrls: true, sendReply: async () => {} });
      const [a, b] = [await node(), await node()];
      const write = (n: number) => store.transaction((tx) => b.eventWriter(received(n), tx));
      await write(1); // node B reads the (empty) list
      await a.createEndpoint({ url: 'http://127.0.0.1:9/hook' });
      await write(2);
      assert.equal((await store.webhookDeliveries.pendingHeads(10)).length, 0, 'within the freshness window B uses the list it read');
      await clock.advance(ENDPOINTS_FRESH_MS);
      await write(3);
      const rows = await store.webhookDeliveries.pendingHeads(10);
      assert.deepEqual(
        rows.map((r) => JSON.parse(r.body).data.id),
        ['m3'],
        "B's next event goes to the endpoint A created",
      );
    } finally {
      await store.close();
    }
  });
});
