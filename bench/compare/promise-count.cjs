/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for the comparison benchmark, with BENCH_BURST_PROF (which sends SIGUSR2 around the echo
// burst): counts the promises the process creates during the burst, by the function that made each
// one (first frame of weiroto's dist/ or a plugin, else Node's), and writes them to
// <BENCH_BURST_PROF>/<pid>-promises.json ({total, top, others}) when the burst ends. `others` counts the
// same way the timers (setTimeout, `Timeout`), process.nextTick (`TickObject`), setImmediate (`Immediate`)
// and the AbortControllers made: the per-request bookkeeping a promise count does not show. The hook slows
// the process; use it for counts, not for timings. Run: BENCH_BURST_PROF=<dir> BENCH_NODE_ARGS="--require <this file>".
'use strict';
const { createHook } = require('node:async_hooks');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

/** Counts by kind (PROMISE, Timeout, …), each with its total and its counts by site. */
const kinds = new Map();
const site = () => {
  const lines = (new Error().stack ?? '').split('\n').slice(3);
  const own = lines.find((l) => /\/(dist|plugins)\//.test(l)) ?? lines.find((l) => !l.includes('node:internal/async_hooks')) ?? '?';
  return own
    .trim()
    .replace(/^at /, '')
    .replace(/\(?file:\/\/[^)]*\/(dist|plugins)\//, '$1/');
};
let on = false;
const count = (kind) => {
  let k = kinds.get(kind);
  if (!k) kinds.set(kind, (k = { total: 0, bySite: new Map() }));
  k.total++;
  const s = site();
  k.bySite.set(s, (k.bySite.get(s) ?? 0) + 1);
};
const COUNTED = new Set(['PROMISE', 'Timeout', 'TickObject', 'Immediate']);
const hook = createHook({
  init(_id, type) {
    if (COUNTED.has(type)) count(type);
  },
});
const Controller = globalThis.AbortController;
globalThis.AbortController = class AbortController extends Controller {
  constructor() {
    super();
    if (on) count('AbortController');
  }
};
const top = (k, n) => [...(k?.bySite ?? [])].sort((a, b) => b[1] - a[1]).slice(0, n);
process.on('SIGUSR2', () => {
  on = !on;
  if (on) {
    kinds.clear();
    hook.enable();
    return;
  }
  hook.disable();
  const promises = kinds.get('PROMISE');
  const others = {};
  for (const [kind, k] of kinds) if (kind !== 'PROMISE') others[kind] = { total: k.total, top: top(k, 15) };
  const file = join(process.env.BENCH_BURST_PROF ?? '.', `${process.pid}-promises.json`);
  writeFileSync(file, JSON.stringify({ total: promises?.total ?? 0, top: top(promises, 40), others }, null, 1));
});
