/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for the comparison benchmark (BENCH_BURST_PROF=<dir>): the first SIGUSR2 starts V8's CPU
// profiler in this process, the second stops it and writes <dir>/<pid>-<n>.cpuprofile, so the
// profile holds the echo burst only (measure.ts sends the signals around it), not start-up and login.
// Sampling every 100 µs: a burst of 2,000 echoes is then some 10,000 samples of the main thread.
'use strict';
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_BURST_PROF;
if (!dir) throw new Error('burst-profile.cjs needs BENCH_BURST_PROF');
const session = new inspector.Session();
session.connect();
let running = false;
let n = 0;
process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 100 }, () => session.post('Profiler.start')));
    return;
  }
  running = false;
  session.post('Profiler.stop', (err, res) => {
    if (err) throw err;
    const file = join(dir, `${process.pid}-${++n}.cpuprofile`);
    writeFileSync(file, JSON.stringify(res.profile));
    process.stdout.write(JSON.stringify({ event: 'burst-profile', file }) + '\n');
  });
});
