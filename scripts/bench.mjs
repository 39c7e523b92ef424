#!/usr/bin/env node
// `npm run bench`: builds, then runs every bench/*.bench.ts one after another (never in parallel, so
// they do not disturb each other's figures) and prints what each reports. Pass names to run only
// some: `npm run bench -- sandbox echo`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const filters = process.argv.slice(2);
const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

// bench/cluster/ holds the benches that start PostgreSQL, Redis and several nodes (`npm run bench -- cluster`).
const files = ['', 'cluster/']
  .flatMap((sub) => readdirSync(join(root, 'bench', sub)).map((f) => sub + f))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n### ${f}\n`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join('bench', f)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: process.env.LOG_LEVEL || 'silent' },
  });
  process.stdout.write(`### ${f}: ${r.status === 0 ? 'done' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
