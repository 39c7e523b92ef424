/**
 * Webhook deliveries per second to a local receiver, with the outbox on disk (SQLite in a temp
 * DATA_DIR, WAL): events are written the way the bot writes them (inside a transaction), the worker
 * signs and POSTs each one, the receiver answers 200. Spread over chats (one in flight per chat).
 * Run: node --import tsx bench/webhook-delivery.bench.ts [events] [chats] [concurrency]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import { silentLogger } from '../src/logger.js';
import { createWebhookService } from '../src/webhook/index.js';

const N = Number(process.argv[2] ?? 5000);
const CHATS = Number(process.argv[3] ?? 50);
const CONC = Number(process.argv[4] ?? 16);

const seen = new Set<string>();
let requests = 0;
const receiver = createServer((req, res) => {
  requests++;
  seen.add(String(req.headers['webhook-id']));
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const dir = mkdtempSync(join(tmpdir(), 'weiroto-wh-bench-'));
const store = openStore({ dataDir: dir });
const service = await createWebhookService({
  store,
  log: silentLogger(),
  sendReply: async () => {},
  worker: { concurrency: CONC, pollMs: 200 },
});
try {
  await service.createEndpoint({ url });
  // Writing: one transaction per event, as the bot does with each message.
  const w0 = performance.now();
  for (let i = 0; i < N; i++) {
    const chatId = `chat${i % CHATS}`;
    await store.transaction((tx) =>
      service.eventWriter(
        {
          type: 'message.received',
          account: 'bench',
          chatId,
          at: Date.now(),
          data: {
            id: `m${i}`,
            type: 'text',
            chatId,
            senderId: chatId,
            toId: 'self',
            isSelf: false,
            text: `message ${i}`,
            mentionsSelf: false,
            mentions: [],
            createdAt: Date.now(),
          },
        },
        tx,
      ),
    );
  }
  const writeMs = performance.now() - w0;
  const t0 = performance.now();
  service.start();
  while (seen.size < N) {
    await new Promise((r) => setTimeout(r, 5));
    if (performance.now() - t0 > 300_000) throw new Error(`stalled at ${seen.size}/${N}`);
  }
  const secs = (performance.now() - t0) / 1000;
  await service.stop();
  const counts = (await service.listEndpoints())[0]!.counts;
  console.log(`webhook delivery: ${N} events over ${CHATS} chats, ${CONC} in flight per endpoint, outbox on disk (${dir})`);
  console.log(`outbox writes: ${Math.round(N / (writeMs / 1000))} events/s (one transaction each)`);
  console.log(`deliveries: ${Math.round(N / secs)} per second (${secs.toFixed(2)} s), ${requests} requests, ${counts.delivered} marked delivered`);
  console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
} finally {
  await service.stop();
  await store.close();
  await new Promise<void>((r) => receiver.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
}
