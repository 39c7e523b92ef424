/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for the comparison benchmark, with BENCH_BURST_PROF (which sends SIGUSR2 around the echo burst): counts the
// SQLite statements the process runs during the burst (better-sqlite3's run, get, all and iterate, BEGIN and COMMIT
// included), by statement text, and writes them to <BENCH_BURST_PROF>/<pid>-sql.json ({total, byText}) when the burst
// ends. Statements per echo do not depend on the machine's load: a figure that holds on a busy machine (issue 17).
// Run: BENCH_BURST_PROF=<dir> BENCH_NODE_ARGS="--require <this file>"; bench/compare/sql-table.ts prints it per echo.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const Database = require('better-sqlite3');

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
    if (on) {
      total++;
      byText.set(this.source, (byText.get(this.source) ?? 0) + 1);
    }
    return original.apply(this, arguments);
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
  const counts = [...byText].map(([text, n]) => [text.replace(/\s+/g, ' ').trim(), n]).sort((a, b) => b[1] - a[1]);
  writeFileSync(file, JSON.stringify({ total, byText: counts }, null, 1));
  process.stdout.write(JSON.stringify({ event: 'burst-sql', file }) + '\n');
});
