/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for the memory benchmark: on SIGUSR2 the process prints one JSON line with its heap and
// RSS now and their highest values since the previous report (sampled every 20 ms, so a burst's
// peak is seen from inside the process), then starts the next peak window. Nothing else changes:
// no --expose-gc, no forced collection, so the figures are what the process really holds.
/* global setInterval */
'use strict';
const v8 = require('node:v8');

const MiB = 1048576;
let seq = 0;
let peakHeap = 0;
let peakRss = 0;
const sample = () => {
  const heap = v8.getHeapStatistics().used_heap_size;
  const rss = process.memoryUsage.rss();
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
    // Committed size of each V8 heap space (new_space is the young generation's semi-spaces).
    spacesMiB: Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, Math.round((x.space_size / MiB) * 10) / 10])),
  };
  peakHeap = 0;
  peakRss = 0;
  process.stdout.write(JSON.stringify(line) + '\n');
});
