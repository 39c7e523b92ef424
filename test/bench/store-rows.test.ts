// bench/store-rows.bench.ts opens the real schema and changes it per variant (an index dropped, a table rebuilt): a
// migration that drops or renames what a variant names breaks the bench, which nothing else runs (migration 160 dropped
// event_log_at and the bench then stopped at its first round). Every variant, tiny sizes, one round.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

describe('bench/store-rows', () => {
  it('runs every variant on the current schema and prints a row of figures for each', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/store-rows.bench.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, BENCH_ROWS: '16', BENCH_WARMUP: '16', BENCH_RUNS: '1' },
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.split('\n').filter((l) => /^\S.*\d+\.\d\/\d+\.\d/.test(l));
    const names = rows.map((l) => l.slice(0, 28).trim());
    for (const name of ['base', '-fts', 'events one insert per row', '-event_log autoinc', 'no statement reuse'])
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    // Each printed cell is CPU µs min/median and WAL write calls per row: numbers, none missing.
    for (const l of rows) assert.doesNotMatch(l, /NaN|undefined/, l);
  });
});
