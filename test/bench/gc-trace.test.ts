// The scale bench's GC trace (BENCH_TRACE_GC=1): `--trace-gc` lines as Node 20 prints them are read
// into kind, pause, incremental marking steps and heap after; each sampled second of the idle span
// is listed with the collections that arrived in it, and seconds well above the median are marked.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { correlate, oldSpaceGrowth, parseGcLine } from '../../bench/scale/gc-trace.js';

const SCAVENGE =
  '[18208:0x8692f00]       52 ms: Scavenge 3.9 (4.0) -> 3.7 (5.0) MB, 3.29 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ';
const MARK_COMPACT =
  '[18233:0x3f65dee0]      386 ms: Mark-Compact 73.5 (95.3) -> 59.1 (94.1) MB, 50.99 / 0.01 ms  (+ 30.9 ms in 65 steps since start of marking, biggest step 29.2 ms, walltime since start of marking 137 ms) (average mu = 1.000, current mu = 1.000) finalize incremental marking via stack guard; GC in old space requested';

describe('bench/scale gc-trace', () => {
  it('reads scavenges and full collections with their marking steps; ignores other lines', () => {
    assert.deepEqual(
      { ...parseGcLine(SCAVENGE, 1)!, text: '' },
      { at: 1, processMs: 52, kind: 'Scavenge', heapAfterMiB: 3.7, pauseMs: 3.29, stepsMs: 0, text: '' },
    );
    const full = parseGcLine(MARK_COMPACT, 2)!;
    assert.equal(full.kind, 'Mark-Compact');
    assert.equal(full.pauseMs, 50.99);
    assert.equal(full.stepsMs, 30.9);
    assert.equal(full.heapAfterMiB, 59.1);
    assert.equal(parseGcLine('{"event":"online","count":3}', 3), undefined);
  });

  it('lists each second with its collections and marks the bursts', () => {
    const samples = [0, 20, 40, 1040, 1060].map((cpuMs, i) => ({ at: 1000 * i, cpuMs }));
    const lines = correlate(samples, [parseGcLine(MARK_COMPACT, 2500)!]);
    assert.equal(lines.length, 5);
    assert.match(lines[2]!, /^\*\s+2 s\s+cpu\s+1000 ms\s+Mark-Compact 51\.0\+31 ms → 59 MB$/);
    assert.ok(lines.slice(0, 2).every((l) => l.startsWith(' ')) && lines[3]!.startsWith(' '));
    assert.match(lines[4]!, /1\.06 s CPU over 4 s .*1 Mark-Compact/);
  });

  it('reads the old space’s growth from the heap after each scavenge, across full collections, on the process’s clock', () => {
    const scavenge = (processMs: number, after: number): string =>
      `[1:0x1] ${processMs} ms: Scavenge ${after + 3} (${after + 5}) -> ${after} (${after + 5}) MB, 0.50 / 0.00 ms  (average mu = 1.000) allocation failure; `;
    const full = (processMs: number, after: number): string => MARK_COMPACT.replace('386 ms', `${processMs} ms`).replace('-> 59.1', `-> ${after}`);
    // 0.4 MB/s for 10 s, a full collection that frees 3 MB, then 0.4 MB/s again; lines arrive with a driver time.
    const text = [scavenge(10_000, 100), scavenge(15_000, 102), scavenge(20_000, 104), full(21_000, 101), scavenge(25_000, 101.2), scavenge(30_000, 103.2)];
    const lines = text.map((t, i) => parseGcLine(t, 1000 + i)!);
    const g = oldSpaceGrowth(lines, 0, Infinity);
    assert.equal(g.scavenges, 5);
    assert.equal(g.full, 1);
    assert.ok(Math.abs(g.mbPerS - 0.4) < 1e-9, `0.4 MB/s, got ${g.mbPerS}`);
    // Only the lines that arrived in the span count.
    assert.ok(Number.isNaN(oldSpaceGrowth(lines, 1003, 1004).mbPerS), 'one scavenge after the full collection: no pair');
  });
});
