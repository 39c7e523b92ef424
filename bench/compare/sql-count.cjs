/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for the comparison benchmark, with BENCH_BURST_PROF (which sends SIGUSR2 around the echo burst): counts the
// SQLite statements the process runs during the burst (better-sqlite3's run, get, all and iterate, BEGIN and COMMIT
// included), by statement text, with the wall time spent in each (a COMMIT's WAL writes included), and writes them to
// <BENCH_BURST_PROF>/<pid>-sql.json ({total, byText: [text, count, µs]}) when the burst ends. Statements per echo do
// not depend on the machine's load: a figure that holds on a busy machine; the times do (issue 17).
// Run: BENCH_BURST_PROF=<dir> BENCH_NODE_ARGS="--require <this file>"; bench/compare/sql-table.ts prints it per echo.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const Database = require('better-sqlite3');
const { performance } = require('node:perf_hooks');

const dir = process.env.BENCH_BURST_PROF;
if (!dir) throw new Error('sql-count.cjs needs BENCH_BURST_PROF');
const probe = new Database(':memory:');
const Statement = Object.getPrototypeOf(probe.prepare('select 1'));
probe.close();
let on = false;
let total = 0;
const byText = new Map();
for (const method of ['run', 'get', 'all', 'iterate']) {
  const original = Statement[method];
  // Counted by the statement's own text (no string made per call: the counts may run beside alloc-profile.cjs).
  Statement[method] = function () {
    if (!on) return original.apply(this, arguments);
    total++;
    const start = performance.now();
    try {
      return original.apply(this, arguments);
    } finally {
      const ms = performance.now() - start;
      const seen = byText.get(this.source);
      if (seen) {
        seen.n++;
        seen.ms += ms;
      } else byText.set(this.source, { n: 1, ms });
    }
  };
}
process.on('SIGUSR2', () => {
  on = !on;
  if (on) {
    total = 0;
    byText.clear();
    return;
  }
  const file = join(dir, `${process.pid}-sql.json`);
  const counts = [...byText].map(([text, { n, ms }]) => [text.replace(/\s+/g, ' ').trim(), n, Math.round(ms * 1000)]).sort((a, b) => b[1] - a[1]);
  writeFileSync(file, JSON.stringify({ total, byText: counts }, null, 1));
  process.stdout.write(JSON.stringify({ event: 'burst-sql', file }) + '\n');
});
