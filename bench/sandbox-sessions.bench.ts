/**
 * How many idle logged-in sessions one sandbox process holds, each with a held synccheck, and the
 * memory each costs. The sandbox runs in its own process (so client memory is not counted); this
 * process logs N accounts in through the real protocol and parks one synccheck per session.
 *
 *   node --import tsx bench/sandbox-sessions.bench.ts [sessions=1000]
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { SandboxControl } from '../src/sandbox/control-client.js';
import { RawClient } from '../test/sandbox/raw-client.js';

const N = Number(process.argv[2] ?? process.env.SANDBOX_BENCH_SESSIONS ?? 1000);
const root = resolve(import.meta.dirname, '..');
const child = spawn(
  process.execPath,
  [
    '--expose-gc',
    '--import',
    'tsx',
    '-e',
    `import('./src/sandbox/cli.ts').then((m) => m.runSandboxCommand(['--port', '0', '--accounts', '${N}', '--hold-ms', '600000', '--contacts', '50', '--rooms', '10', '--room-size', '20']))`,
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
const origin = await new Promise<string>((res, rej) => {
  const t = setTimeout(() => rej(new Error('sandbox did not start')), 60_000);
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const m = /listening on (http:\/\/\S+)/.exec(l);
    if (m) {
      clearTimeout(t);
      res(m[1] as string);
    }
  });
});
const control = new SandboxControl(origin);
const mb = (b: number): string => (b / 1024 / 1024).toFixed(1);

async function stats(): Promise<{ sessions: number; heldSynccheck: number; memory: { rss: number; heapUsed: number; external: number } }> {
  const r = await fetch(`${origin}/sandbox/api/stats?gc=1`);
  return (await r.json()) as Awaited<ReturnType<typeof stats>>;
}

try {
  const base = await stats();
  const t0 = Date.now();
  const clients: RawClient[] = [];
  const BATCH = 50;
  for (let i = 0; i < N; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, N - i) }, (_, k) => {
      const c = new RawClient(origin);
      clients.push(c);
      return c.login(control, String(i + k));
    });
    await Promise.all(batch);
  }
  const loginMs = Date.now() - t0;
  // One held synccheck per session, left open.
  const held = clients.map((c) => c.synccheck().catch(() => ''));
  let s = await stats();
  for (let i = 0; i < 100 && s.heldSynccheck < N; i++) {
    await new Promise((r) => setTimeout(r, 100));
    s = await stats();
  }
  const heapPer = (s.memory.heapUsed - base.memory.heapUsed) / N;
  const rssPer = (s.memory.rss - base.memory.rss) / N;
  console.log(`sandbox-sessions: ${s.sessions} logged-in sessions, ${s.heldSynccheck} held synccheck requests in one process`);
  console.log(
    `  login (jslogin → scan → confirm → poll → newloginpage → init) for ${N} accounts: ${loginMs} ms (${(loginMs / N).toFixed(1)} ms each, 50 in parallel)`,
  );
  console.log(
    `  world for ${N} accounts (50 friends, 5 officials, 10 groups × 20): baseline heap ${mb(base.memory.heapUsed)} MiB, rss ${mb(base.memory.rss)} MiB`,
  );
  console.log(`  with sessions: heap ${mb(s.memory.heapUsed)} MiB, rss ${mb(s.memory.rss)} MiB`);
  console.log(`  per session (session state + held request + socket): heap ${(heapPer / 1024).toFixed(1)} KiB, rss ${(rssPer / 1024).toFixed(1)} KiB`);
  if (s.heldSynccheck < N) {
    console.error(`only ${s.heldSynccheck} of ${N} synccheck requests are held`);
    process.exitCode = 1;
  }
  void held;
} finally {
  const exit = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exit;
}
