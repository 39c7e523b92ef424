/**
 * Scale (issue 17 point 4): N accounts in ONE weiroto process against one sandbox, the sandbox in
 * its own process (TLS mode, real host names). Figures: time until every account is online, RSS,
 * idle CPU with every long poll held, the latency of a message to one of them, then a restart on the
 * same data: time until every account is back from its saved session, QR codes asked for (none is
 * the point), and for the web transport the most start-ups the sandbox saw at once (its login
 * windows), against LOGIN_CONCURRENCY. The 1-minute load average is kept with each figure.
 */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../compare/clients.js';
import { median, quantile } from '../compare/measure.js';
import { Child, cpuMs, memoryMiB } from '../compare/proc.js';
import { correlate, CpuSampler, cpuPerWindow, GcTrace, oldSpaceGrowth, TRACE_GC_ARGS } from './gc-trace.js';
import { until } from './progress.js';
import { SandboxProcess, type SandboxSize } from './sandbox-process.js';
import { again, ilinkSide, webSide, type ScaleTransport, type Side } from './sides.js';

/** The sandbox's world and holds (contacts, rooms: the web world of each account; iLink has one contact, the owner) and the bench's own settings. */
export interface ScaleOptions extends Omit<SandboxSize, 'tlsDir'> {
  transport: ScaleTransport;
  /** The settled idle span the target is read on (see the idle phase in runScale). */
  idleMs: number;
  /** The span measured first, from the moment every long poll is held (start-up clean-up included). */
  firstIdleMs: number;
  latencyCount: number;
  /** LOGIN_CONCURRENCY of both weiroto processes (default 10). */
  loginConcurrency?: number;
  log?: (line: string) => void;
}

export interface ScaleResult {
  transport: ScaleTransport;
  accounts: number;
  contacts: number;
  allOnlineMs: number;
  rssMiB: number;
  peakRssMiB: number;
  /** CPU over the settled idle span (what issue 17's target reads). */
  idleCpuPercent: number;
  /** The sandbox's own CPU over the same idle span (it answers every long poll). */
  sandboxIdleCpuPercent: number;
  idleMs: number;
  /** CPU over the first span, right after every long poll is held, and its length. */
  firstIdle: { cpuPercent: number; ms: number };
  heldPolls: number;
  latency: { median: number; p90: number; count: number };
  /** The same process restarted on the same DATA_DIR: every account resumed by startAll. */
  restore: {
    loginConcurrency: number;
    allOnlineMs: number;
    newQrs: number;
    /** Most start-ups (webwxinit → first synccheck) the sandbox saw at once; web only. */
    peakLogins?: number;
    rssMiB: number;
    /** CPU of the restarted weiroto process from its start to the last account online, and of the sandbox over the same span. */
    cpuMs: number;
    sandboxCpuMs: number;
    /** Requests the sandbox answered over the restore (web only). */
    requests?: number;
    /** What the weiroto process did (COUNT_WORK in weiroto-multi.mjs): requests by name, statements by verb, rows changed. */
    work?: RestoreWork;
  };
  /** 1-minute load average at the end of each phase. */
  load: { login: number; idle: number; latency: number; restore: number };
}

export interface RestoreWork {
  requests: Record<string, number>;
  statements: Record<string, number>;
  rows: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
// A span measured with Date.now() lasts at least `ms`: a timer may fire up to a millisecond before its
// length by the wall clock (libuv counts from the loop's cached time), and a 400-ms span once read 399.
async function untilSpanEnds(ms: number, from: number): Promise<void> {
  for (let left = ms; left > 0; left = from + ms - Date.now()) await sleep(left);
}
const load1 = (): number => loadavg()[0]!;

export async function runScale(o: ScaleOptions): Promise<ScaleResult> {
  const log = o.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'tls'));
  const loginConcurrency = o.loginConcurrency ?? 10;
  const sb = await SandboxProcess.start({
    ...o,
    accounts: o.transport === 'web' ? o.accounts : 1,
    tlsDir: join(dir, 'tls'),
  });
  const side: Side = o.transport === 'web' ? webSide(sb) : ilinkSide(sb);
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the weiroto process over the measured idle span
  // (scale-<transport>-idle.cpuprofile; the profiler's own sampling adds a little to that span's CPU).
  const idleProfile = process.env.BENCH_CPU_PROF ? join(process.env.BENCH_CPU_PROF, `scale-${o.transport}-idle.cpuprofile`) : undefined;
  // BENCH_TRACE_GC=1: the weiroto process runs with --trace-gc; each second of the idle span is
  // printed with its CPU and the collections that fell in it (gc-trace.ts).
  const gcTrace = process.env.BENCH_TRACE_GC === '1' ? new GcTrace() : undefined;
  // BENCH_HEAP_SNAPSHOT=<dir>: a heap snapshot of the weiroto process once the idle span is measured (scale-<transport>-idle.heapsnapshot).
  const heapSnapshot = process.env.BENCH_HEAP_SNAPSHOT ? join(process.env.BENCH_HEAP_SNAPSHOT, `scale-${o.transport}-idle.heapsnapshot`) : undefined;
  // BENCH_ALLOC_PROF=<dir>: V8's sampling heap profiler over the settled idle span (bench/compare/alloc-profile.cjs,
  // which counts what the collections freed too), for the bytes one long-poll cycle allocates and where.
  // Its SIGUSR2 is the CPU profile's too: not with BENCH_CPU_PROF.
  const allocProfile = process.env.BENCH_ALLOC_PROF;
  if (allocProfile && idleProfile) throw new Error('BENCH_ALLOC_PROF and BENCH_CPU_PROF both answer SIGUSR2: set one');
  // BENCH_SCALE_NODE_ARGS: node flags for the weiroto process, e.g. `--max-semi-space-size=16` or
  // `--heap-growing-percent=0` to compare with the server's own heap settings (an operator's flag
  // makes them stand aside; the second is not allowed in NODE_OPTIONS).
  const nodeArgs = (process.env.BENCH_SCALE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  // BENCH_RESTORE_PROF=<dir>: the restarted process runs with --cpu-prof (its whole life, which is the
  // restore: the bench stops it once every account is back); the profile is written there at its exit.
  const restoreProf = process.env.BENCH_RESTORE_PROF;
  const spawnMulti = (extra: Record<string, string>, extraArgs: string[] = []): Child =>
    new Child(
      'weiroto-multi',
      [
        ...nodeArgs,
        ...extraArgs,
        ...(gcTrace ? TRACE_GC_ARGS : []),
        ...(allocProfile ? ['--require', join(ROOT, 'bench/compare/alloc-profile.cjs')] : []),
        '--require',
        join(ROOT, 'test/helpers/wechat4u-hosts.cjs'),
        join(ROOT, 'bench/scale/weiroto-multi.mjs'),
      ],
      {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        NODE_ENV: 'production',
        SANDBOX_TLS_PORT: String(sb.tlsPort),
        NODE_EXTRA_CA_CERTS: sb.caCertPath,
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: join(dir, 'data'),
        BOT_PLUGINS: 'echo',
        SEND_PACING: 'off',
        LOG_LEVEL: process.env.BENCH_SCALE_LOG_LEVEL ?? 'warn',
        ACCOUNTS: String(o.accounts),
        TRANSPORT: o.transport,
        // iLink goes through fetch, which the preload does not reroute from port 443: the real
        // host names (the preload resolves them here) with the sandbox's TLS port.
        ILINK_BASE_URL: `https://ilinkai.weixin.qq.com:${sb.tlsPort}`,
        ILINK_CDN_URL: `https://novac2c.cdn.weixin.qq.com:${sb.tlsPort}/c2c`,
        LOGIN_CONCURRENCY: String(loginConcurrency),
        ...(idleProfile && { IDLE_PROF: idleProfile }),
        ...(heapSnapshot && { HEAP_SNAPSHOT: heapSnapshot }),
        ...(allocProfile && { BENCH_BURST_PROF: allocProfile }),
        ...extra,
      },
      dir,
    );
  // BENCH_SCALE_TRACE=<file>: everything the weiroto processes print (with BENCH_SCALE_LOG_LEVEL=info: every state change).
  const trace = process.env.BENCH_SCALE_TRACE ? createWriteStream(process.env.BENCH_SCALE_TRACE) : undefined;
  const traced = (c: Child): Child => {
    if (trace) c.proc.stdout!.on('data', (d: Buffer) => trace.write(d));
    return c;
  };
  let child = traced(spawnMulti({}));
  gcTrace?.attach(child.proc.stdout!);
  /** Throws with both processes' last words when either died. */
  const alive = (): void => {
    for (const [name, p, tail] of [
      ['weiroto-multi', child.proc, () => child.tails()],
      ['sandbox', sb.proc, () => sb.tail()],
    ] as const)
      if (p.exitCode !== null || p.signalCode !== null) throw new Error(`${name} died (${String(p.exitCode ?? p.signalCode)})\n${tail()}`);
  };
  const onlineCount = (c: Child): number => {
    for (let i = c.events.length - 1; i >= 0; i--) if (c.events[i]!.event === 'online') return Number(c.events[i]!.count);
    return 0;
  };
  /** The same process restarted on the same DATA_DIR (RESTORE=1): every account resumed by startAll. */
  const restart = async (): Promise<ScaleResult['restore']> => {
    await child.stop(60_000);
    const qrsBefore = await side.qrCodes();
    const windowsFrom = o.transport === 'web' ? (await again(() => sb.control.logins(0))).next : 0;
    const traffic0 = await side.traffic();
    const sbCpu0 = cpuMs(sb.pid);
    const restartedAt = Date.now();
    child = traced(spawnMulti({ RESTORE: '1', COUNT_WORK: '1' }, restoreProf ? ['--cpu-prof', `--cpu-prof-dir=${restoreProf}`] : []));
    await until({ what: 'accounts online after the restart', read: () => onlineCount(child), target: o.accounts, alive });
    const restoreMs = Date.now() - restartedAt;
    const restoreCpu = { cpuMs: cpuMs(child.pid), sandboxCpuMs: cpuMs(sb.pid) - sbCpu0 };
    const traffic1 = await side.traffic();
    child.proc.kill('SIGUSR1');
    const { requests, statements, rows } = (await child.waitFor('work counts', (e) => e.event === 'work', 60_000)) as unknown as RestoreWork;
    const restore = {
      loginConcurrency,
      allOnlineMs: restoreMs,
      newQrs: (await side.qrCodes()) - qrsBefore,
      ...(o.transport === 'web' && { peakLogins: (await again(() => sb.control.logins(windowsFrom))).peak }),
      rssMiB: memoryMiB(child.pid).rss,
      ...restoreCpu,
      ...(traffic0 && traffic1 && { requests: traffic1.requests - traffic0.requests }),
      work: { requests, statements, rows },
    };
    log(`  ${o.transport}: restored in ${(restoreMs / 1000).toFixed(1)} s (load ${load1().toFixed(2)})`);
    const per = (n: number): string => (n / o.accounts).toFixed(2);
    const each = (r: Record<string, number>): string =>
      Object.entries(r)
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${per(n)}`)
        .join(', ');
    log(
      `  ${o.transport}: restore per account: CPU ${per(restoreCpu.cpuMs)} ms weiroto, ${per(restoreCpu.sandboxCpuMs)} ms sandbox; ` +
        `${restore.requests === undefined ? '' : `${per(restore.requests)} requests answered by the sandbox; `}` +
        `requests sent: ${each(requests)}; statements: ${each(statements)}; rows changed ${per(rows)}`,
    );
    return restore;
  };
  try {
    const started = Date.now();
    // Scan every QR as it appears, each as its own phone, until every account is online: a QR whose
    // client gave up before it got the answer (a timeout on a loaded machine) is scanned in vain,
    // and the QR that client shows next is scanned too.
    let scanned = 0;
    // BENCH_SCALE_PARTIAL_AFTER=<s>: when no account came online for that long, measure the idle span
    // with those that are (A/B runs of the idle heap on a loaded machine, where a few web logins
    // sometimes never end: the figures then say how many held their poll, and the logins read MISS).
    const partialAfterMs = Number(process.env.BENCH_SCALE_PARTIAL_AFTER ?? 0) * 1000;
    let online = o.accounts;
    try {
      await until({
        what: 'accounts online',
        read: async () => {
          if (onlineCount(child) < o.accounts) {
            if (await side.login(scanned)) scanned++;
            else await sleep(20); // no QR waiting right now
          }
          return onlineCount(child);
        },
        target: o.accounts,
        pollMs: 0,
        alive,
        ...(partialAfterMs > 0 && { stallMs: partialAfterMs }),
      });
    } catch (e) {
      if (!(partialAfterMs > 0 && (e as Error).message.startsWith('accounts online: stuck'))) throw e;
      online = onlineCount(child);
      log(`  ${o.transport}: logins stalled at ${online} of ${o.accounts}; measuring with those (BENCH_SCALE_PARTIAL_AFTER)`);
    }
    const allOnlineMs = online === o.accounts ? Date.now() - started : NaN;
    log(`  ${o.transport}: ${online} accounts online in ${((Date.now() - started) / 1000).toFixed(1)} s (load ${load1().toFixed(2)})`);
    const loginLoad = load1();

    // Idle: every account holds its long poll. Two spans, one after the other. The first starts
    // as soon as the last poll is held and catches what start-up leaves behind: V8's memory
    // reducer, seeing allocation drop, runs up to three full collections of the large heap back to
    // back (3 × ~260 ms seen in a 30-s span on a quiet machine: 9-10 % of one core), and the last
    // accounts' own start-up work. That happens once per start and is printed, not hidden. The
    // target reads the settled span after it: idle is how a process costs once started, and that
    // span (120 s by default) is longer than the memory reducer's 100-s watchdog, so the full
    // collection it starts about every 100 s while promotion grows the old space (a steady cost:
    // ~0.5 s of CPU each with 1,000 web accounts) is averaged in rather than caught or missed.
    await until({ what: 'long polls held', read: () => side.held(), target: online, alive });
    const sampler = new CpuSampler(child.pid);
    sampler.start();
    const first0 = { at: Date.now(), cpu: cpuMs(child.pid) };
    await untilSpanEnds(o.firstIdleMs, first0.at);
    const firstWall = Date.now() - first0.at;
    const firstIdle = { ms: firstWall, cpuPercent: ((cpuMs(child.pid) - first0.cpu) / firstWall) * 100 };
    if (idleProfile || allocProfile) child.proc.kill('SIGUSR2');
    const traffic0 = await side.traffic();
    const cpu0 = cpuMs(child.pid);
    const sbCpu0 = cpuMs(sb.pid);
    const t0 = Date.now();
    await untilSpanEnds(o.idleMs, t0);
    const idleWall = Date.now() - t0;
    // Read at the span's end, before anything this driver does after it (a profile written, the lines below).
    const idleCpuMs = cpuMs(child.pid) - cpu0;
    const sandboxIdleCpuMs = cpuMs(sb.pid) - sbCpu0;
    const traffic1 = await side.traffic();
    sampler.stop();
    if (gcTrace) {
      for (const line of correlate(sampler.samples, gcTrace.lines)) log(`  ${o.transport} gc: ${line}`);
      const g = oldSpaceGrowth(gcTrace.lines, t0, t0 + idleWall);
      log(
        `  ${o.transport}: old space grew ${g.mbPerS.toFixed(3)} MB/s over the settled span (heap after each scavenge; ${g.scavenges} scavenges, ${g.full} full collections)`,
      );
    }
    const perWindow = cpuPerWindow(sampler.samples, 10_000).map((p) => p.toFixed(2));
    log(
      `  ${o.transport}: idle CPU per 10 s from the last poll held (first span ${(firstIdle.ms / 1000).toFixed(0)} s, then settled): ${perWindow.join(' ')} %`,
    );
    log(`  ${o.transport}: idle CPU in the first ${(firstIdle.ms / 1000).toFixed(0)} s ${firstIdle.cpuPercent.toFixed(2)} %`);
    const idleCpuPercent = (idleCpuMs / idleWall) * 100;
    const sandboxIdleCpuPercent = (sandboxIdleCpuMs / idleWall) * 100;
    if (idleProfile) {
      child.proc.kill('SIGUSR2');
      await child.waitFor('idle profile', (e) => e.event === 'profiled', 120_000);
      log(`  ${o.transport}: idle CPU profile in ${idleProfile}`);
    }
    if (allocProfile) {
      child.proc.kill('SIGUSR2');
      const { file, gc } = await child.waitFor('allocation profile', (e) => e.event === 'burst-alloc', 120_000);
      log(`  ${o.transport}: idle allocation profile in ${String(file)} (collections ${JSON.stringify(gc)}); per cycle: alloc-table.ts <cycles> <file>`);
    }
    const heldPolls = await side.held();
    if (traffic0 && traffic1) {
      // What the idle CPU paid for: long-poll answers (N / 25 s), and no webwxsync when nothing happened.
      const perS = (n: number): string => ((n * 1000) / idleWall).toFixed(1);
      log(`  ${o.transport}: idle traffic ${perS(traffic1.requests - traffic0.requests)} requests/s, ${perS(traffic1.syncs - traffic0.syncs)} webwxsync/s`);
      // The cost of one idle cycle (a long poll answered and the next one sent), collections included: CPU time,
      // which a busy machine changes far less than the per-cent figure's wall-clock span.
      const cycles = traffic1.requests - traffic0.requests - (traffic1.syncs - traffic0.syncs);
      if (cycles > 0) log(`  ${o.transport}: ${cycles} long-poll cycles in the span, ${((idleCpuMs * 1000) / cycles).toFixed(0)} µs of CPU each`);
    }
    const mem = memoryMiB(child.pid);
    const idleLoad = load1();
    log(
      `  ${o.transport}: settled idle CPU ${idleCpuPercent.toFixed(2)} % over ${(idleWall / 1000).toFixed(0)} s, RSS ${mem.rss.toFixed(0)} MiB, ${heldPolls} polls held (load ${idleLoad.toFixed(2)})`,
    );

    // After the RSS reading: writing a snapshot grows the process.
    if (heapSnapshot) {
      child.proc.kill('SIGWINCH');
      await child.waitFor('heap snapshot', (e) => e.event === 'snapshot', 600_000);
      log(`  ${o.transport}: idle heap snapshot in ${heapSnapshot}`);
    }

    // Latency of a message to one account among many, one at a time.
    await side.pickTarget(o.accounts);
    const lat: number[] = [];
    for (let i = 0; i < o.latencyCount; i++) lat.push(await side.echo(`scale ${i} ping`, alive));
    const latencyLoad = load1();

    // Restart on the same data: every account must come back from its saved session, in waves.
    // BENCH_SCALE_RESTORE=0 skips it (A/B runs of the idle span; its figures then read '–' and MISS).
    const restore =
      process.env.BENCH_SCALE_RESTORE === '0'
        ? { loginConcurrency, allOnlineMs: NaN, newQrs: NaN, rssMiB: NaN, cpuMs: NaN, sandboxCpuMs: NaN }
        : await restart();
    return {
      transport: o.transport,
      accounts: o.accounts,
      contacts: o.transport === 'web' ? o.contacts : 1,
      allOnlineMs,
      rssMiB: mem.rss,
      peakRssMiB: mem.peak,
      idleCpuPercent,
      sandboxIdleCpuPercent,
      idleMs: idleWall,
      firstIdle,
      heldPolls,
      latency: { median: median(lat), p90: quantile(lat, 0.9), count: lat.length },
      restore,
      load: { login: loginLoad, idle: idleLoad, latency: latencyLoad, restore: load1() },
    };
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${child.tails()}\nsandbox: ${sb.tail()}`, { cause: e });
  } finally {
    await child.stop(60_000);
    await sb.stop();
    trace?.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
