/**
 * Echo throughput and latency against the sandbox, through the whole stack: sandbox → web-protocol
 * client (sync loop) → Bot (SQLite) → pipeline (echo) → outbound queue → webwxsendmsg → sandbox.
 * Latency = from the control API accepting the message to our reply being accepted by the sandbox.
 * Run: node --import tsx bench/echo.bench.ts [messages] [concurrency]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../src/accounts/account-manager.js';
import { PluginRegistry } from '../src/pipeline/index.js';
import { createWebTransport } from '../src/protocol/index.js';
import { startSandbox } from '../src/sandbox/index.js';
import { openStore } from '../src/store/index.js';
import { silentLogger } from '../src/logger.js';
import { plugin as echo } from '../plugins/echo/index.js';

const N = Number(process.argv[2] ?? 2000);
const C = Number(process.argv[3] ?? 20);

// The sandbox's frequency control (1205) is off: this measures our cost, not WeChat's limits.
const sb = await startSandbox({ holdMs: 25_000, autoScanMs: 10, autoConfirmMs: 10, contacts: 50, rooms: 5, roomSize: 10, rateLimits: false });
const dir = mkdtempSync(join(tmpdir(), 'weiroto-echo-bench-'));
const store = openStore({ dataDir: dir });
const manager = new AccountManager({
  store,
  log: silentLogger(),
  createTransport: () => createWebTransport({ endpoint: sb.origin }),
  pluginRegistry: new PluginRegistry([echo]),
  sendPacing: 'off',
  botPlugins: ['echo'],
});
try {
  const bot = await manager.add('bench');
  while (bot.info().state !== 'online') await new Promise((r) => setTimeout(r, 10));
  const st = await sb.control.state(true);
  const friend = st.accounts[0]!.friends.find((f) => f.kind === 'friend')!.nickname;

  const started = new Map<string, number>();
  const latencies: number[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  bot.on('message-sent', (rec) => {
    const t0 = rec.text !== undefined ? started.get(rec.text) : undefined;
    if (t0 === undefined || rec.status !== 'sent') return;
    latencies.push(performance.now() - t0);
    if (latencies.length === N) done();
  });

  const t0 = performance.now();
  let next = 0;
  const workers = Array.from({ length: C }, async () => {
    while (next < N) {
      const text = `echo ${next++}`;
      started.set(text, performance.now());
      await sb.control.sendMessage({ from: friend, text });
    }
  });
  await Promise.all(workers);
  await Promise.race([all, new Promise((_, rej) => setTimeout(() => rej(new Error(`only ${latencies.length}/${N} echoes`)), 120_000))]);
  const secs = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
  const sent = await sb.control.sent({});
  console.log(`echo through the sandbox: ${N} messages, ${C} injectors`);
  console.log(`throughput: ${Math.round(N / secs)} echoes/s (${secs.toFixed(2)} s)`);
  console.log(`latency ms: p50 ${pct(50)}  p90 ${pct(90)}  p99 ${pct(99)}  max ${latencies.at(-1)!.toFixed(1)}`);
  console.log(`sandbox recorded ${sent.messages.length} sends; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
} finally {
  await manager.stopAll();
  await store.close();
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
}
