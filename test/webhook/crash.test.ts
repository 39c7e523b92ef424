import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import { createWebhookService } from '../../src/webhook/index.js';
import { Receiver } from './receiver.js';

const CHILD = fileURLToPath(new URL('./fixtures/worker-child.ts', import.meta.url));

function startChild(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve(child);
    });
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once('exit', () => r());
  });
}

describe('webhook outbox across kill -9', () => {
  let dir: string;
  let store: Store;
  let receiver: Receiver;
  const children: ChildProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-wh-crash-'));
    store = await openTestStore({ dataDir: dir });
    receiver = new Receiver();
    await receiver.start();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await receiver.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a receiver down for a while then back, with the delivering process SIGKILLed midway, gets every event once per id, in order per chat', async () => {
    // This process writes events the way the bot does (inside a transaction); children deliver.
    const writer = await createWebhookService({ store, log: silentLogger(), sendReply: async () => {} });
    const { secret } = await writer.createEndpoint({ url: receiver.url });
    const chats = ['c0', 'c1', 'c2', 'c3', 'c4'];
    const N = 200;
    const write = (i: number): Promise<void> =>
      store.transaction((tx) =>
        writer.eventWriter(
          {
            type: 'message.received',
            account: 'a1',
            chatId: chats[i % chats.length]!,
            at: Date.now(),
            data: { id: `m${i}`, chatId: chats[i % chats.length], seq: i, text: `n${i}` },
          },
          tx,
        ),
      );
    for (let i = 0; i < N / 2; i++) await write(i);

    // Phase 1: the receiver is up but answers 503, then is gone (connection refused).
    receiver.answer = () => ({ status: 503 });
    const first = await startChild(dir);
    children.push(first);
    await receiver.waitFor(() => receiver.all.length >= 10);
    await receiver.stop();
    await new Promise((r) => setTimeout(r, 200));
    // Phase 2: it comes back slowly; kill -9 the deliverer while requests are in flight.
    receiver.answer = () => ({ status: 200, delayMs: 5 });
    await receiver.start();
    for (let i = N / 2; i < N; i++) await write(i);
    await receiver.waitFor(() => receiver.log.length >= 60, 20_000);
    first.kill('SIGKILL');
    await killed(first);
    const before = receiver.unique().length;
    assert.ok(before < N, 'the kill happened before everything was delivered');

    // Phase 3: another process takes over from the same SQLite file.
    const second = await startChild(dir);
    children.push(second);
    await receiver.waitFor(() => receiver.unique().length === N, 30_000);
    await new Promise((r) => setTimeout(r, 200));
    second.kill('SIGTERM');
    await killed(second);

    const unique = receiver.unique();
    assert.equal(unique.length, N);
    assert.equal(new Set(unique.map((r) => String(r.json.data!.id))).size, N, 'one webhook-id per event');
    for (const chat of chats) {
      const order = unique.filter((r) => r.json.data!.chatId === chat).map((r) => Number(r.json.data!.seq));
      assert.equal(order.length, N / chats.length);
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        `chat ${chat} out of order`,
      );
    }
    // Every accepted request verifies with the endpoint's secret.
    const wh = new Webhook(secret);
    for (const r of receiver.log) wh.verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature });
    const counts = (await writer.listEndpoints())[0]!.counts;
    assert.equal(counts.delivered, N);
    assert.equal(counts.pending + counts.delivering + counts.dead, 0);
    // Duplicates (at-least-once) are possible only for requests cut by the kill: at most the in-flight window.
    assert.ok(receiver.log.length - N <= 4, `too many duplicates: ${receiver.log.length - N}`);
  });
});
