/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for the comparison benchmark, with BENCH_BURST_PROF (which sends SIGUSR2 around the echo
// burst): V8's sampling heap profiler over the burst, counting every allocation sampled, the ones
// that the young and the old generation's collections freed again included (without those flags it
// reports only what is still alive at the end), and the collections by kind. Writes
// <BENCH_BURST_PROF>/<pid>-<n>.heapprofile and prints {event: 'burst-alloc', file, gc}. Bytes allocated
// per echo do not depend on the machine's load, unlike its CPU time: a figure that holds on a busy
// machine. bench/compare/alloc-table.ts reads the file.
// Run: BENCH_BURST_PROF=<dir> BENCH_NODE_ARGS="--require <this file>" (every client gets it, raw too).
// BENCH_ALLOC_SURVIVORS=1: samples that a young-generation collection freed are dropped, those that a full
// one freed kept, so the profile holds what was promoted to the old generation (or still alive at the end of
// the burst) by allocation site: what the burst's scavenges copied, the cost of each (issue 17).
'use strict';
const inspector = require('node:inspector');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_BURST_PROF;
if (!dir) throw new Error('alloc-profile.cjs needs BENCH_BURST_PROF');
const session = new inspector.Session();
session.connect();
const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};
let gc = {};
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = KINDS[e.detail?.kind ?? e.kind] ?? 'other';
    gc[kind] = (gc[kind] ?? 0) + 1;
  }
});
let running = false;
let n = 0;
process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    gc = {};
    observer.observe({ entryTypes: ['gc'] });
    // 4 KiB between samples: some thousands of samples per burst of 2,000 echoes.
    const minor = process.env.BENCH_ALLOC_SURVIVORS !== '1';
    const sampling = { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: minor };
    session.post('HeapProfiler.enable', () => session.post('HeapProfiler.startSampling', sampling));
    return;
  }
  running = false;
  session.post('HeapProfiler.stopSampling', (err, res) => {
    if (err) throw err;
    observer.disconnect();
    const file = join(dir, `${process.pid}-${++n}.heapprofile`);
    writeFileSync(file, JSON.stringify(res.profile));
    process.stdout.write(JSON.stringify({ event: 'burst-alloc', file, gc }) + '\n');
  });
});
