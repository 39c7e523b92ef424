/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for the comparison benchmark, with BENCH_BURST_PROF (which sends SIGUSR2 around the echo
// burst): counts the promises the process creates during the burst, by the function that made each
// one (first frame of weiroto's dist/ or a plugin, else Node's), and writes them to
// <BENCH_BURST_PROF>/<pid>-promises.json ({total, top}) when the burst ends. The hook slows the process; use it for
// counts, not for timings. Run: BENCH_BURST_PROF=<dir> BENCH_NODE_ARGS="--require <this file>".
'use strict';
const { createHook } = require('node:async_hooks');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

let total = 0;
const bySite = new Map();
const site = () => {
  const lines = (new Error().stack ?? '').split('\n').slice(3);
  const own = lines.find((l) => /\/(dist|plugins)\//.test(l)) ?? lines.find((l) => !l.includes('node:internal/async_hooks')) ?? '?';
  return own
    .trim()
    .replace(/^at /, '')
    .replace(/\(?file:\/\/[^)]*\/(dist|plugins)\//, '$1/');
};
const hook = createHook({
  init(_id, type) {
    if (type !== 'PROMISE') return;
    total++;
    const s = site();
    bySite.set(s, (bySite.get(s) ?? 0) + 1);
  },
});
let on = false;
process.on('SIGUSR2', () => {
  on = !on;
  if (on) {
    total = 0;
    bySite.clear();
    hook.enable();
    return;
  }
  hook.disable();
  const top = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 40);
  writeFileSync(join(process.env.BENCH_BURST_PROF ?? '.', `${process.pid}-promises.json`), JSON.stringify({ total, top }, null, 1));
});
