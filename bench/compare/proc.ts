/**
 * Child processes for the comparison benchmark: spawn one client with its stdout read as JSON
 * lines, and read its CPU time and memory from /proc (Linux only), so figures are per client.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export type ChildEvent = { event: string; at: number; [k: string]: unknown };

/** Clock ticks per second of utime/stime in /proc/<pid>/stat. */
export const CLK_TCK = ((): number => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** CPU time (user + system) the process has used so far, in ms. */
export function cpuMs(pid: number): number {
  return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** utime + stime of a /proc stat line (a process's or a thread's), in ms. */
function statCpuMs(stat: string): number {
  // Fields after the command name (which may hold spaces) start at field 3 (state).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLK_TCK;
}

/**
 * CPU time (user + system, ms) of the process's threads so far: the main thread's, and the others' summed by thread name
 * (on Node 20 V8's helper threads, which compile optimised code and help the garbage collector, and libuv's pool are
 * all named "node", like the main thread): who spent a burst's CPU, the main thread or the helpers. A thread that has
 * ended is no longer listed; its time stays in the process's (`cpuMs`).
 */
export function threadCpuMs(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = tid === String(pid) ? 'main thread' : `other threads (${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))})`;
    byName.set(name, (byName.get(name) ?? 0) + statCpuMs(stat));
  }
  return byName;
}

/** `threads, ms of CPU per echo: main thread 0.480, other threads (node) 0.060`: what each spent between two readings. */
export function threadLine(before: Map<string, number>, after: Map<string, number>, echoes: number): string {
  const spent = [...after].map(([name, ms]) => [name, ms - (before.get(name) ?? 0)] as const).filter(([, ms]) => ms > 0);
  spent.sort((a, b) => b[1] - a[1]);
  return `threads, ms of CPU per echo: ${spent.map(([name, ms]) => `${name} ${(ms / echoes).toFixed(3)}`).join(', ') || 'none'}`;
}

/** Resident memory now and at its peak (VmHWM), in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** One spawned client: its JSON-line events, stderr tail, and a clean stop. */
export class Child {
  readonly proc: ChildProcess;
  readonly events: ChildEvent[] = [];
  private stderrTail = '';
  private stdoutTail = '';
  private waiters: { pred: (e: ChildEvent) => boolean; resolve: (e: ChildEvent) => void }[] = [];
  readonly exited: Promise<number | null>;
  /** BENCH_CLIENT_STDOUT=<dir>: every stdout line (V8's --trace-opt/--trace-deopt too) copied to <dir>/<name>-<pid>.log. */
  private readonly copyTo: string | undefined;

  constructor(
    readonly name: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    cwd: string,
  ) {
    this.proc = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    const dir = process.env.BENCH_CLIENT_STDOUT;
    this.copyTo = dir ? join(dir, `${name}-${this.proc.pid}.log`) : undefined;
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      const at = Date.now();
      this.mark(line);
      this.stdoutTail = (this.stdoutTail + line + '\n').slice(-4000);
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      if (!parsed || typeof parsed !== 'object') return;
      const e = { ...(parsed as Record<string, unknown>), at } as ChildEvent;
      if (typeof e.event !== 'string' && typeof e.msg === 'string') e.event = 'log';
      this.events.push(e);
      for (const w of [...this.waiters]) {
        if (!w.pred(e)) continue;
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(e);
      }
    });
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-4000)));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The first event (past or future) matching `pred`; rejects after `timeoutMs` or if the child exits. */
  waitFor(what: string, pred: (e: ChildEvent) => boolean, timeoutMs: number): Promise<ChildEvent> {
    const hit = this.events.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(`${this.name}: ${why} while waiting for ${what}\n  stdout: ${this.stdoutTail.slice(-1500)}\n  stderr: ${this.stderrTail.slice(-1500)}`),
        );
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        fail(`exited with ${String(code)}`);
      };
      const waiter = {
        pred,
        resolve: (e: ChildEvent) => {
          clearTimeout(timer);
          this.proc.off('exit', onExit);
          resolve(e);
        },
      };
      this.waiters.push(waiter);
      this.proc.once('exit', onExit);
    });
  }

  /** A line in the stdout copy (BENCH_CLIENT_STDOUT), e.g. where the burst starts. */
  mark(line: string): void {
    if (this.copyTo) appendFileSync(this.copyTo, `${line}\n`);
  }

  /** What the child wrote last (for error messages). */
  tails(): string {
    return `stdout: ${this.stdoutTail.slice(-1500)}\nstderr: ${this.stderrTail.slice(-1500)}`;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 12_000): Promise<number | null> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.proc.exitCode;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
