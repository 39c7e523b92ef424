#!/usr/bin/env node
// `npm run test:stress`: the flake hunt. Runs the whole suite (or the files/folders given) N times in a row while
// scripts/cpu-burn.mjs keeps every core busy, keeps each run's output, and prints which tests failed in which run.
// Exits non-zero if any test failed in any run.
//   npm run test:stress                          5 runs of everything, burner on
//   npm run test:stress -- --runs 3 test/sandbox 3 runs of one folder
//   --workers N   burner threads (default: one per core; 0 = no burner)   --out DIR   logs (default test-output/stress)
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const options = { runs: 5, workers: availableParallelism(), out: join(root, 'test-output', 'stress') };
const targets = [];
for (let i = 0; i < args.length; i++) {
  const name = args[i].startsWith('--') ? args[i].slice(2) : '';
  if (name in options) options[name] = name === 'out' ? resolve(args[++i]) : Number(args[++i]);
  else targets.push(args[i]);
}
if (!Number.isInteger(options.runs) || options.runs < 1 || !Number.isInteger(options.workers) || options.workers < 0) {
  console.error('usage: test-stress.mjs [--runs N>=1] [--workers N>=0] [--out DIR] [test files or folders]');
  process.exit(2);
}
mkdirSync(options.out, { recursive: true });

/** The failing tests a spec-reporter log lists after "✖ failing tests:", as "file:line › name". */
function failingTests(log) {
  const tail = log.split('\n✖ failing tests:\n')[1];
  if (!tail) return [];
  const found = [];
  const lines = tail.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const at = /^test at (.+):\d+$/.exec(lines[i]);
    const name = at && /^✖ (.+) \([\d.]+ms\)$/.exec(lines[i + 1] ?? '');
    if (at && name) found.push(`${at[1].replace(root + '/', '')} › ${name[1]}`);
  }
  return found;
}

function runOnce(n) {
  const logPath = join(options.out, `run-${n}.log`);
  const log = createWriteStream(logPath);
  // Its own process group, so a stop (Ctrl-C) ends the runner and every test process under it.
  const child = spawn(process.execPath, [join(root, 'scripts', 'test.mjs'), '--no-checks', ...targets], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  current = child;
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  return new Promise((done) => {
    child.on('close', (code, signal) => log.end(() => done({ code, signal, logPath })));
  });
}

let current;
const burner = options.workers
  ? spawn(process.execPath, [join(root, 'scripts', 'cpu-burn.mjs'), '--workers', String(options.workers)], { stdio: 'ignore' })
  : undefined;
const stopBurner = () => burner?.kill('SIGTERM');
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopBurner();
    if (current?.exitCode === null) process.kill(-current.pid, 'SIGTERM');
    process.exit(130);
  });
}

const failures = [];
for (let n = 1; n <= options.runs; n++) {
  const started = Date.now();
  const { code, signal, logPath } = await runOnce(n);
  const log = readFileSync(logPath, 'utf8');
  const failed = failingTests(log);
  // A run can fail without a failing test (build error, a file that crashes outside a test): report the exit then.
  if (code !== 0 && failed.length === 0)
    failed.push(`(${signal ? `the runner was killed by ${signal}` : `exit ${code}`}, no failing test listed; see the log)`);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`run ${n}/${options.runs}: ${failed.length ? `${failed.length} FAILED` : 'green'} in ${seconds} s (${logPath})`);
  for (const t of failed) console.log(`  ✖ ${t}`);
  failures.push(...failed.map((t) => ({ run: n, test: t })));
}
stopBurner();

if (failures.length) {
  console.log(`\n${failures.length} failure(s) in ${new Set(failures.map((f) => f.run)).size} of ${options.runs} runs:`);
  for (const f of failures) console.log(`  run ${f.run}: ${f.test}`);
  process.exit(1);
}
console.log(`\nall ${options.runs} runs green under load (${options.workers} burner thread(s))`);
