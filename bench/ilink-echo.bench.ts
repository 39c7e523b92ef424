/**
 * The iLink echo path next to the web path (issue 15): `weiroto start` with BOT_PLUGINS=echo in its
 * own process, once on a web account (WECHAT_ENDPOINT) and once on an iLink account
 * (WECHAT_TRANSPORT=ilink, ILINK_BASE_URL), both against one sandbox in this process. Messages are
 * injected in-process, a fixed number in flight (the next goes when an echo comes back, like people
 * typing: iLink allows about ten sends per user message, ilink.md §9b), and every send is seen the
 * moment the sandbox records it. Figures: echoes per second, and weiroto's CPU per message (its
 * process's utime + stime from /proc, until it is quiet after the last echo). Medians of the runs.
 *
 * Run: node --import tsx bench/ilink-echo.bench.ts   (`npm run bench -- ilink-echo` builds first)
 * Env: BENCH_RUNS (default 3), BENCH_MESSAGES (default 600), BENCH_IN_FLIGHT (default 5).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox/index.js';
import { injectMessage } from '../src/sandbox/inbound.js';
import { ownerSends } from '../src/sandbox/ilink/inbound.js';
import { ROOT, weirotoUrl } from './compare/clients.js';
import { median, settledCpu } from './compare/measure.js';
import { Child } from './compare/proc.js';

type Path = 'web' | 'ilink';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const N = Number(process.env.BENCH_MESSAGES ?? 600);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 5);

// Frequency control off: this measures weiroto, not WeChat's limits.
const sb = await startSandbox({ autoScanMs: 10, autoConfirmMs: 10, contacts: 20, rooms: 2, roomSize: 5, holdMs: 25_000, rateLimits: false });
const dir = mkdtempSync(join(tmpdir(), 'bench-ilink-echo-'));
const account = sb.state.accounts[0]!;
const friend = [...account.people.values()].find((p) => p.kind === 'friend')!.id;

// Every text an account sends, the moment the sandbox records it (no polling).
let onSent: (text: string) => void = () => {};
const recordWeb = sb.state.record.bind(sb.state);
sb.state.record = (e) => {
  const entry = recordWeb(e);
  if (entry.dir === 'out') onSent(entry.text);
  return entry;
};
const recordIlink = sb.ilink.state.recordSent.bind(sb.ilink.state);
sb.ilink.state.recordSent = (e) => {
  const entry = recordIlink(e);
  if (entry.decision === 'delivered') onSent(entry.items[0]?.text ?? '');
  return entry;
};

const inject: Record<Path, (text: string) => void> = {
  web: (text) => void injectMessage(sb.state, { account: account.id, from: friend, text }),
  ilink: (text) => void ownerSends(sb.ilink.state, { text }),
};

/** `count` messages, `IN_FLIGHT` at a time; resolves when each was echoed once. */
function burst(path: Path, tag: string, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let echoed = 0;
    const timer = setTimeout(() => reject(new Error(`${path}: ${echoed}/${count} echoes after 180 s`)), 180_000);
    const send = (): void => inject[path](`${tag} ${next++} ping`);
    onSent = (text) => {
      if (!text.startsWith(`${tag} `)) return;
      if (++echoed === count) {
        clearTimeout(timer);
        return resolve();
      }
      if (next < count) send();
    };
    for (let i = 0; i < Math.min(IN_FLIGHT, count); i++) send();
  });
}

/** QR codes that exist now (taken before weiroto starts, so its first QR is new however fast it comes). */
async function knownQrs(): Promise<Set<string>> {
  return new Set((await sb.ilink.control.state()).qrcodes.map((q) => q.qrcode));
}

async function ilinkLogin(child: Child, known: Set<string>): Promise<void> {
  const il = sb.ilink.control;
  for (const end = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 20))) {
    const qr = (await il.state()).qrcodes.find((q) => !known.has(q.qrcode) && q.status === 'wait');
    if (qr) return void (await il.confirm({ qrcode: qr.qrcode }));
    if (Date.now() > end) throw new Error(`no iLink QR\n${child.tails()}`);
  }
}

async function runOnce(path: Path, run: number): Promise<{ perSecond: number; cpuMsPerMsg: number }> {
  const dataDir = join(dir, `${path}-${run}`);
  mkdirSync(dataDir);
  const transport = path === 'web' ? { WECHAT_ENDPOINT: sb.origin } : { WECHAT_TRANSPORT: 'ilink', ILINK_BASE_URL: sb.origin };
  const env = { PATH: process.env.PATH ?? '', HOME: dataDir, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir };
  const known = await knownQrs();
  const child = new Child(
    path,
    [join(ROOT, 'bin/weiroto.js'), 'start'],
    { ...env, BOT_PLUGINS: 'echo', SEND_PACING: 'off', LOG_LEVEL: 'info', ...transport },
    dataDir,
  );
  try {
    await weirotoUrl(child, 60_000);
    if (path === 'ilink') await ilinkLogin(child, known);
    await child.waitFor('the account online', (e) => typeof e.msg === 'string' && / online \(\d+ contacts/.test(e.msg), 60_000);
    // Warm up (and, on iLink, the owner speaks first), then let start-up work settle.
    await burst(path, `warm${run}`, 20);
    const cpu0 = await settledCpu(child.pid, 250, 10_000);
    const t0 = performance.now();
    await burst(path, `run${run}`, N);
    const wallMs = performance.now() - t0;
    const cpu1 = await settledCpu(child.pid, 250, 10_000);
    return { perSecond: (N * 1000) / wallMs, cpuMsPerMsg: (cpu1 - cpu0) / N };
  } finally {
    await child.stop();
    if (sb.state.active.has(account.id)) await sb.control.phoneLogout({ account: account.id });
  }
}

try {
  const results: Record<Path, { perSecond: number; cpuMsPerMsg: number }[]> = { web: [], ilink: [] };
  for (let run = 1; run <= RUNS; run++) {
    for (const path of ['web', 'ilink'] as const) {
      const r = await runOnce(path, run);
      results[path].push(r);
      console.log(`run ${run} ${path.padEnd(5)}  ${r.perSecond.toFixed(0).padStart(5)} echoes/s  ${r.cpuMsPerMsg.toFixed(2)} ms CPU/message`);
    }
  }
  console.log(`\necho through weiroto start (its own process) and the sandbox: ${N} messages, ${IN_FLIGHT} in flight, median of ${RUNS} runs`);
  console.log('path    echoes/s   CPU ms/message (weiroto process)');
  for (const path of ['web', 'ilink'] as const) {
    const rs = results[path];
    console.log(
      `${path.padEnd(6)}  ${median(rs.map((r) => r.perSecond))
        .toFixed(0)
        .padStart(8)}   ${median(rs.map((r) => r.cpuMsPerMsg)).toFixed(2)}`,
    );
  }
  console.log('(one machine: the sandbox and this driver share it with weiroto; CPU is weiroto alone, wall time is not)');
} finally {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
}
