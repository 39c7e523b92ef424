/**
 * One run of one client: log in, wait for ready, then single-message latency (sequential), then a
 * burst, then peak memory. Every figure comes from the sandbox's clock (inject time, receive time
 * of the echo) and from /proc of the client's own process.
 */
import type { Account } from '../../src/sandbox/world.js';
import type { ClientLauncher, ClientName } from './clients.js';
import { appendFileSync } from 'node:fs';
import { cpuMs, memoryMiB, threadCpuMs, threadLine } from './proc.js';
import type { Inject, World } from './world.js';
import { StageClock, stageTable, type StageTimes } from './stages.js';

export interface Sizes {
  burst: number;
  latencyCount: number;
  /**
   * Pause after each single message's echo before the next one, the same for every client: the client's
   * own echo comes back through webwxsync meanwhile, so each message finds it idle (a single message,
   * not one in a stream).
   */
  latencyGapMs: number;
  /** Time given to start-up work that follows ready (SYNC_CONV fetches…) before measuring. */
  settleMs: number;
  /**
   * Echoes of an unmeasured burst before the measured one (BENCH_WARMUP; default none). A first burst also pays
   * for V8 optimising the code on its path, once per process (perf of weiroto's first burst: about a fifth of its
   * CPU in the compiler threads, no deoptimisation loop); after a warm-up the burst shows the steady cost.
   */
  warmup?: number;
}

export interface RunResult {
  client: ClientName;
  loginReadyMs: number;
  latency: { median: number; p90: number; all: number[] };
  burst: {
    wallMs: number;
    perSecond: number;
    cpuMsPerMsg: number;
    cpuMs: number;
    injectMs: number;
    sandboxCpuMsPerMsg: number;
    /** webwxsync calls and all requests the client made from the injection until it was quiet again. */
    syncs: number;
    requests: number;
  };
  peakRssMiB: number;
  /** RSS with the QR shown, before login: the client's own weight without the account's world. */
  startRssMiB: number;
  /** BENCH_STAGES=1: the single messages' latency split by stage (stages.ts); BENCH_THREADS=1: the burst's CPU by thread. Lines to print. */
  stages?: string[];
}

export const median = (xs: number[]): number => quantile(xs, 0.5);

/** Nearest-rank quantile. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * BENCH_PERF_CTL=<fifo>: the control FIFO of a `perf record -D -1 --control fifo:<fifo>` attached to the
 * client, told to record the burst only (from the first injected message until the client is quiet).
 */
const perfControl = (command: 'enable' | 'disable'): void => {
  if (process.env.BENCH_PERF_CTL) appendFileSync(process.env.BENCH_PERF_CTL, `${command}\n`);
};

/** Half private texts from many friends, half group texts from many members of many groups. */
export function burstMessages(world: World, account: Account, tag: string, count: number): Inject[] {
  const { friends, rooms } = world.senders(account);
  const out: Inject[] = [];
  for (let i = 0; i < count; i++) {
    const text = `${tag} ${i} ping`;
    if (i % 2 === 0 || rooms.length === 0) out.push({ from: friends[(i * 7919) % friends.length]!, text });
    else {
      const r = rooms[(i * 31) % rooms.length]!;
      out.push({ room: r.id, from: r.members[(i * 13) % r.members.length]!, text });
    }
  }
  return out;
}

/** Inject `count` burst messages in one go and wait for the client's echo of each (their times, as `world.echoes`). */
export function echoedBurst(world: World, account: Account, tag: string, count: number): Promise<number[]> {
  const burst = burstMessages(world, account, tag, count);
  const echoed = world.echoes(
    account,
    burst.map((m) => m.text),
    180_000,
  );
  world.inject(account, burst);
  return echoed.done;
}

/** Wait until the process uses no more CPU for `quietMs` (bounded by `maxMs`); answers its CPU time. */
export async function settledCpu(pid: number, quietMs: number, maxMs: number): Promise<number> {
  const end = Date.now() + maxMs;
  let last = cpuMs(pid);
  for (;;) {
    await sleep(quietMs);
    const now = cpuMs(pid);
    if (now === last || Date.now() > end) return now;
    last = now;
  }
}

/**
 * Run one client once against the world's account. The account is logged out on the phone at the
 * end so the next client can log in to the same world.
 */
export async function runOnce(world: World, launcher: ClientLauncher, name: ClientName, account: Account, sizes: Sizes, runTag: string): Promise<RunResult> {
  const client = launcher.launch(name);
  try {
    const uuid = await world.nextQr(120_000);
    const startRssMiB = memoryMiB(client.child.pid).rss;
    const confirmAt = await world.login(uuid, account);
    const readyAt = await client.ready(120_000);
    await sleep(sizes.settleMs);

    // Single-message latency: one at a time, alternating private and group. The clock (performance.now()
    // of the sandbox's process, sub-millisecond) starts just before the sandbox queues the message, which
    // answers the client's held synccheck, and stops when the sandbox has read the client's webwxsendmsg
    // that echoes it: synccheck answer, webwxsync, the client's own work and the send, both ways of the
    // loopback TLS included, for every client alike.
    const lat: number[] = [];
    const singles = burstMessages(world, account, `${runTag}-single`, sizes.latencyCount);
    const stageClock = process.env.BENCH_STAGES === '1' ? new StageClock() : undefined;
    const split: { group: boolean; t: StageTimes }[] = [];
    // BENCH_PROF_PHASE=singles: the CPU profile (BENCH_BURST_PROF) holds these single messages instead of the burst.
    const profile = process.env.BENCH_BURST_PROF ? (process.env.BENCH_PROF_PHASE ?? 'burst') : undefined;
    if (profile === 'singles') client.child.proc.kill('SIGUSR2');
    for (const m of singles) {
      const wait = world.echoes(account, [m.text], 15_000);
      stageClock?.reset();
      const at = world.inject(account, [m]);
      const [echoAt] = await wait.done;
      lat.push(echoAt! - at);
      if (stageClock) split.push({ group: m.room !== undefined, t: stageClock.stages(at, echoAt!) });
      await sleep(sizes.latencyGapMs);
    }
    stageClock?.close();
    if (profile === 'singles') {
      client.child.proc.kill('SIGUSR2');
      await client.child.waitFor('the profile of the single messages', (e) => e.event === 'burst-profile', 60_000);
    }
    await sleep(sizes.settleMs);

    if (sizes.warmup) {
      client.child.mark('=== bench: warm-up start');
      await echoedBurst(world, account, `${runTag}-warm`, sizes.warmup);
      await settledCpu(client.child.pid, 250, 10_000);
    }

    // The burst: every message injected in one synchronous loop.
    const burst = burstMessages(world, account, `${runTag}-burst`, sizes.burst);
    const wait = world.echoes(
      account,
      burst.map((m) => m.text),
      180_000,
    );
    if (profile === 'burst') client.child.proc.kill('SIGUSR2');
    const cpu0 = cpuMs(client.child.pid);
    // BENCH_THREADS=1: the burst's CPU split by thread (main thread, V8's helpers, libuv's pool).
    const threads0 = process.env.BENCH_THREADS === '1' ? threadCpuMs(client.child.pid) : undefined;
    const sandboxCpu0 = process.cpuUsage();
    const counted0 = world.counters();
    perfControl('enable');
    client.child.mark('=== bench: burst start');
    const t0 = world.inject(account, burst);
    const injectMs = performance.now() - t0;
    const times = await wait.done;
    const last = Math.max(...times);
    const sandboxCpu = process.cpuUsage(sandboxCpu0);
    // CPU until the client is quiet again: work that follows the last echo (own echoes coming back
    // through webwxsync, batched writes) belongs to the burst too.
    const cpu1 = await settledCpu(client.child.pid, 250, 10_000);
    const counted1 = world.counters();
    const threads = threads0 && threadLine(threads0, threadCpuMs(client.child.pid), sizes.burst);
    perfControl('disable');
    client.child.mark('=== bench: burst end');
    if (profile === 'burst') {
      client.child.proc.kill('SIGUSR2');
      await client.child.waitFor('the burst profile', (e) => e.event === 'burst-profile', 60_000);
    }
    const wallMs = Math.max(1, last - t0);
    const peak = memoryMiB(client.child.pid).peak;
    return {
      client: name,
      loginReadyMs: readyAt - confirmAt,
      latency: { median: median(lat), p90: quantile(lat, 0.9), all: lat },
      burst: {
        wallMs,
        perSecond: (sizes.burst * 1000) / wallMs,
        cpuMs: cpu1 - cpu0,
        cpuMsPerMsg: (cpu1 - cpu0) / sizes.burst,
        injectMs,
        // The sandbox runs in this process: its CPU shows when it, not the client, is the limit.
        sandboxCpuMsPerMsg: (sandboxCpu.user + sandboxCpu.system) / 1000 / sizes.burst,
        syncs: counted1.syncs - counted0.syncs,
        requests: counted1.requests - counted0.requests,
      },
      peakRssMiB: peak,
      startRssMiB,
      ...((stageClock || threads) && { stages: [...(stageClock ? stageTable(name, split) : []), ...(threads ? [`  ${name} ${threads}`] : [])] }),
    };
  } finally {
    await client.stop();
    await world.logout(account);
  }
}
