/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for the memory benchmark: on SIGUSR2 the process prints one JSON line with its heap and
// RSS now and their highest values since the previous report (sampled every 20 ms, so a burst's
// peak is seen from inside the process), then starts the next peak window. Nothing else changes:
// no --expose-gc, no forced collection, so the figures are what the process really holds.
// HEAP_SNAPSHOT_DIR=<dir>: after each report a heap snapshot is written there (memory-<seq>.heapsnapshot)
// and {"event":"snapshot"} printed; writing one costs RSS, so peaks after the first are not figures then.
// With HEAP_SNAPSHOT_ABOVE_MIB=<n> too, one more (memory-burst.heapsnapshot) once the heap in use
// passes n MiB after the third report (ready): what is alive in the middle of the burst.
/* global setInterval */
'use strict';
const v8 = require('node:v8');

const MiB = 1048576;
let seq = 0;
let peakHeap = 0;
let peakRss = 0;
const snapshotDir = process.env.HEAP_SNAPSHOT_DIR;
const snapshotAbove = Number(process.env.HEAP_SNAPSHOT_ABOVE_MIB || Infinity) * MiB;
let burstSnapshot = false;
const sample = () => {
  const heap = v8.getHeapStatistics().used_heap_size;
  const rss = process.memoryUsage.rss();
  if (snapshotDir && seq >= 3 && !burstSnapshot && heap > snapshotAbove) {
    burstSnapshot = true;
    v8.writeHeapSnapshot(require('node:path').join(snapshotDir, 'memory-burst.heapsnapshot'));
  }
  if (heap > peakHeap) peakHeap = heap;
  if (rss > peakRss) peakRss = rss;
  return { heap, rss };
};
setInterval(sample, 20).unref();
process.on('SIGUSR2', () => {
  const now = sample();
  const s = v8.getHeapStatistics();
  const line = {
    event: 'memory',
    seq: ++seq,
    heapUsedMiB: now.heap / MiB,
    heapTotalMiB: s.total_heap_size / MiB,
    rssMiB: now.rss / MiB,
    peakHeapUsedMiB: peakHeap / MiB,
    peakRssMiB: peakRss / MiB,
    externalMiB: process.memoryUsage().external / MiB,
    arrayBuffersMiB: process.memoryUsage().arrayBuffers / MiB,
    // Anonymous (heaps, malloc) and file-backed (the node binary, shared libraries) resident memory.
    ...Object.fromEntries(
      ['RssAnon', 'RssFile'].map((k) => [
        `${k}MiB`,
        Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024,
      ]),
    ),
    // Committed size of each V8 heap space (new_space is the young generation's semi-spaces).
    spacesMiB: Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, Math.round((x.space_size / MiB) * 10) / 10])),
  };
  peakHeap = 0;
  peakRss = 0;
  process.stdout.write(JSON.stringify(line) + '\n');
  if (snapshotDir) {
    const file = v8.writeHeapSnapshot(require('node:path').join(snapshotDir, `memory-${line.seq}.heapsnapshot`));
    process.stdout.write(JSON.stringify({ event: 'snapshot', seq: line.seq, file }) + '\n');
  }
});
