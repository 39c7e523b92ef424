/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for a test of `weiroto start`: samples the committed size of V8's new space (the young
// generation's two semi-spaces) every 5 ms from the process's first moment, and prints the largest
// as one JSON line on stderr when the process exits. Sizes persist until V8 shrinks them, so 5 ms misses none.
/* global setInterval */
'use strict';
const { getHeapSpaceStatistics } = require('node:v8');

const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
let largest = newSpace();
setInterval(() => (largest = Math.max(largest, newSpace())), 5).unref();
process.on('exit', () => process.stderr.write(JSON.stringify({ largestNewSpaceMiB: Math.max(largest, newSpace()) / 1048576 }) + '\n'));
