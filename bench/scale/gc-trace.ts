/**
 * BENCH_TRACE_GC=1 in the scale bench: the weiroto process runs with `--trace-gc`, and over the
 * measured idle span its CPU time is sampled every second, so each burst of CPU can be set beside
 * the collections that fell in the same second. A full collection (Mark-Compact) of a large heap
 * costs the main thread its pause plus the incremental steps, and the helper threads the
 * concurrent marking and sweeping, which /proc counts for the process too.
 */
import type { Readable } from 'node:stream';
import { cpuMs } from '../compare/proc.js';

export const TRACE_GC_ARGS = ['--trace-gc'];

/** One `--trace-gc` line as it reached the driver. */
export interface GcLine {
  at: number;
  kind: string;
  /** Main-thread pause (the first figure after the sizes), ms. */
  pauseMs: number;
  /** Incremental marking steps reported with a Mark-Compact (`+ N ms in K steps`), ms. */
  stepsMs: number;
  heapAfterMiB: number;
  /** The process's own time of the collection (ms since it started), as V8 prints it. */
  processMs: number;
  text: string;
}

// [pid:0x…]  12345 ms: Mark-Compact 600.1 (650.2) -> 590.0 (640.0) MB, 12.3 / 0.0 ms  (+ 300.5 ms in 1500 steps …
const GC_LINE =
  /(\d+) ms: ([A-Za-z-]+(?: \(reduce\))?) [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms(?:\s+\(\+ ([\d.]+) ms in)?/;

export function parseGcLine(text: string, at: number): GcLine | undefined {
  const m = GC_LINE.exec(text);
  if (!m) return undefined;
  return { at, processMs: Number(m[1]), kind: m[2]!, heapAfterMiB: Number(m[3]), pauseMs: Number(m[4]), stepsMs: Number(m[5] ?? 0), text: text.trim() };
}

/**
 * How fast the old space grows between full collections, in MB/s: the heap after each scavenge is
 * the old space plus the few young survivors, so its rise from one scavenge to the next is what the
 * scavenge promoted (minus nothing: only a full collection frees old space). Summed over every pair
 * of consecutive scavenges within [from, to] (driver time) with no full collection between them,
 * divided by the time those pairs span (the process's own clock). NaN with fewer than two scavenges.
 */
export function oldSpaceGrowth(lines: readonly GcLine[], from: number, to: number): { mbPerS: number; scavenges: number; full: number } {
  const span = lines.filter((g) => g.at >= from && g.at <= to);
  let grown = 0;
  let ms = 0;
  let prev: GcLine | undefined;
  for (const g of span) {
    if (g.kind !== 'Scavenge') {
      prev = undefined;
      continue;
    }
    if (prev) {
      grown += g.heapAfterMiB - prev.heapAfterMiB;
      ms += g.processMs - prev.processMs;
    }
    prev = g;
  }
  const scavenges = span.filter((g) => g.kind === 'Scavenge').length;
  return { mbPerS: ms > 0 ? (grown * 1000) / ms : NaN, scavenges, full: span.filter((g) => g.kind.startsWith('Mark-Compact')).length };
}

/** Collects the GC lines a child prints, stamped with the time they arrived. */
export class GcTrace {
  readonly lines: GcLine[] = [];
  private rest = '';

  attach(stdout: Readable): void {
    stdout.on('data', (d: Buffer) => {
      const at = Date.now();
      const parts = (this.rest + d.toString()).split('\n');
      this.rest = parts.pop() ?? '';
      for (const p of parts) {
        const line = parseGcLine(p, at);
        if (line) this.lines.push(line);
      }
    });
  }
}

/** CPU time of a process per second, for the span between start() and stop(). */
export class CpuSampler {
  readonly samples: { at: number; cpuMs: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pid: number) {}

  start(): void {
    this.samples.push({ at: Date.now(), cpuMs: cpuMs(this.pid) });
    this.timer = setInterval(() => this.samples.push({ at: Date.now(), cpuMs: cpuMs(this.pid) }), 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.samples.push({ at: Date.now(), cpuMs: cpuMs(this.pid) });
  }
}

/**
 * Each sampled second of the idle span with its CPU and the collections that arrived in it; a
 * second using over twice the span's median is marked as a burst.
 */
export function correlate(samples: readonly { at: number; cpuMs: number }[], gcs: readonly GcLine[]): string[] {
  const windows: { from: number; to: number; cpu: number; gcs: GcLine[] }[] = [];
  for (let i = 1; i < samples.length; i++) {
    const from = samples[i - 1]!.at;
    const to = samples[i]!.at;
    windows.push({ from, to, cpu: samples[i]!.cpuMs - samples[i - 1]!.cpuMs, gcs: gcs.filter((g) => g.at > from && g.at <= to) });
  }
  if (windows.length === 0) return [];
  const sorted = windows.map((w) => w.cpu).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const t0 = windows[0]!.from;
  const out: string[] = [];
  let total = 0;
  let inGc = 0;
  for (const w of windows) {
    total += w.cpu;
    const burst = w.cpu > Math.max(2 * median, median + 20);
    const gcMs = w.gcs.reduce((s, g) => s + g.pauseMs + g.stepsMs, 0);
    inGc += gcMs;
    const kinds = w.gcs.map((g) => `${g.kind} ${g.pauseMs.toFixed(1)}${g.stepsMs ? `+${g.stepsMs.toFixed(0)}` : ''} ms → ${g.heapAfterMiB.toFixed(0)} MB`);
    out.push(`${burst ? '*' : ' '} ${((w.from - t0) / 1000).toFixed(0).padStart(3)} s  cpu ${w.cpu.toFixed(0).padStart(5)} ms  ${kinds.join('; ')}`);
  }
  const full = gcs.filter((g) => g.kind.startsWith('Mark-Compact') && g.at > t0 && g.at <= windows.at(-1)!.to);
  out.push(
    `idle span: ${(total / 1000).toFixed(2)} s CPU over ${windows.length} s (median ${median.toFixed(0)} ms/s); GC pauses + marking steps (wall time: on a loaded machine more than the CPU) ${(inGc / 1000).toFixed(2)} s; ${full.length} Mark-Compact`,
  );
  return out;
}

/** CPU in % of one core over consecutive windows of `windowMs` (the last one may be shorter). */
export function cpuPerWindow(samples: readonly { at: number; cpuMs: number }[], windowMs: number): number[] {
  const out: number[] = [];
  let from = samples[0];
  for (const s of samples.slice(1)) {
    if (!from || (s.at - from.at < windowMs && s !== samples.at(-1))) continue;
    if (s.at > from.at) out.push(((s.cpuMs - from.cpuMs) / (s.at - from.at)) * 100);
    from = s;
  }
  return out;
}
