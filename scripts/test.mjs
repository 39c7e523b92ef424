#!/usr/bin/env node
// The whole test command (`npm test`): typecheck, lint (with the layer fences), the import-cycle check, format check and build (two at a time), make sure Chromium is there for the
// browser tests, then every test file under test/ with node's own test runner (through tsx), the timed chaos test last
// and alone (`ALONE` below).
// `--no-checks` skips typecheck, lint and the format check; `--store postgres` runs the tests on PostgreSQL instead of SQLite;
// extra arguments are test files or folders to run instead of all.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { groupTestFiles } from './test-groups.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const skipChecks = args.includes('--no-checks');
// `--store postgres`: every test that opens a store opens it in PostgreSQL (test/helpers/store.ts).
const storeAt = args.indexOf('--store');
const store = storeAt >= 0 ? args[storeAt + 1] : 'sqlite';
if (store !== 'sqlite' && store !== 'postgres') {
  console.error(`--store takes sqlite or postgres, not ${store}`);
  process.exit(2);
}
const targets = args.filter((a, i) => !a.startsWith('--') && (storeAt < 0 || i !== storeAt + 1));

function run(label, cmd, cmdArgs, opts = {}) {
  const started = Date.now();
  process.stdout.write(`\n== ${label}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`\n${label} failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status || 1);
  }
  process.stdout.write(`== ${label}: ok in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Browser tests drive Debian's Chromium (with a CJK font so Chinese pages render in screenshots); install when missing and root. */
function ensureChromium() {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (existsSync(path)) return;
  if (process.getuid?.() === 0) {
    run('install chromium (apt-get)', 'bash', [
      '-c',
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null',
    ]);
    if (existsSync(path)) return;
  }
  console.error(
    `Chromium is needed for the browser tests and was not found at ${path}.\n` +
      `Install it with: sudo apt-get update && sudo apt-get install -y chromium (or set CHROMIUM_PATH).`,
  );
  process.exit(1);
}

/**
 * The store tests (and, with `--store postgres`, every test) run a real PostgreSQL server from Debian's package, started
 * per test process by test/helpers/postgres.ts; install it when missing and root.
 */
function ensurePostgres() {
  const found = () =>
    process.env.PG_BIN ||
    (existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'pg_ctl'))));
  if (found()) return;
  if (process.getuid?.() === 0) {
    run('install postgresql (apt-get)', 'bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null']);
    if (found()) return;
  }
  console.error(
    'PostgreSQL is needed for the store tests and was not found.\nInstall it with: sudo apt-get update && sudo apt-get install -y postgresql (or set PG_BIN).',
  );
  process.exit(1);
}

/** The cluster tests run a real redis-server from Debian's package (test/helpers/redis.ts); install it when missing and root. */
function ensureRedis() {
  const found = () => process.env.REDIS_SERVER || spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (found()) return;
  if (process.getuid?.() === 0) {
    run('install redis-server (apt-get)', 'bash', [
      '-c',
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null',
    ]);
    if (found()) return;
  }
  console.error(
    'redis-server is needed for the cluster tests and was not found.\nInstall it with: sudo apt-get update && sudo apt-get install -y redis-server (or set REDIS_SERVER).',
  );
  process.exit(1);
}

/**
 * Run `steps` (label, command, arguments) `slots` at a time, in the order given (the longest first), each one's output
 * printed whole when it ends; the first that fails ends the others and this command.
 */
async function runTogether(steps, slots) {
  const started = Date.now();
  const queue = [...steps];
  const running = new Set();
  const next = async () => {
    const step = queue.shift();
    if (!step) return;
    const [label, cmd, cmdArgs] = step;
    // A group of its own: a failure elsewhere ends it with what npx started under it.
    const child = spawn(cmd, cmdArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    running.add(child);
    const output = [];
    child.stdout.on('data', (d) => output.push(d));
    child.stderr.on('data', (d) => output.push(d));
    const [code, signal] = await new Promise((done) => child.on('close', (c, s) => done([c, s])));
    running.delete(child);
    process.stdout.write(`\n== ${label}\n${Buffer.concat(output).toString()}`);
    if (code !== 0) {
      console.error(`\n${label} failed (exit ${code ?? signal}).`);
      for (const other of running) {
        if (process.platform === 'win32') other.kill();
        else process.kill(-other.pid, 'SIGTERM');
      }
      process.exit(code || 1);
    }
    process.stdout.write(`== ${label}: ok after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    await next();
  };
  await Promise.all(Array.from({ length: slots }, next));
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
/**
 * The checks and the build are independent (none reads what another writes: the build's dist/ is ignored by the
 * others) and each keeps one core busy: two at a time on a 2-core machine (TEST_CHECK_SLOTS to change), the longest
 * first, so the checks take about half their sum.
 */
const checkSlots = Number(process.env.TEST_CHECK_SLOTS || Math.min(2, availableParallelism()));
await runTogether(
  [
    ...(skipChecks
      ? []
      : [
          ['lint', npx, ['eslint', '.']],
          ['typecheck', npx, ['tsc', '-p', 'tsconfig.json', '--noEmit']],
        ]),
    ['build', npx, ['tsc', '-p', 'tsconfig.build.json']],
    ...(skipChecks
      ? []
      : [
          ['format', npx, ['prettier', '--check', '--log-level', 'warn', '.']],
          ['import cycles', process.execPath, ['scripts/check-import-cycles.mjs']],
        ]),
  ],
  checkSlots,
);
ensureChromium();
ensurePostgres();
ensureRedis();

/**
 * One PostgreSQL server for every test process of the run (test/helpers/postgres-serve.ts), handed down in TEST_PG_URL;
 * each test file makes its own databases on it (test/helpers/postgres.ts). It stops when this command ends (its standard
 * input closes). Under `--store postgres` every test's store is there; on SQLite only the ~45 files that test the
 * PostgreSQL store or the cluster use it, and each of them used to start a server of its own: an initdb and a start
 * of 2-4 s per file, in the file's slot.
 */
async function sharedPostgres() {
  if (process.env.TEST_PG_URL) return process.env.TEST_PG_URL;
  const server = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/postgres-serve.ts'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  server.unref();
  server.stdin.unref();
  let out = '';
  return new Promise((resolveUrl, reject) => {
    server.stdout.on('data', (d) => {
      out += d.toString();
      if (out.includes('\n')) {
        server.stdout.destroy();
        resolveUrl(out.trim());
      }
    });
    server.once('exit', (code) => reject(new Error(`the test PostgreSQL server did not start (exit ${code})`)));
  });
}

const files = (targets.length ? targets : ['test']).flatMap((t) => (statSync(join(root, t)).isDirectory() ? findTests(join(root, t)) : [join(root, t)])).sort();
/**
 * Tests that hold weiroto to time bounds (the chaos test: a dead node's accounts online elsewhere within 30 s, a leaving
 * node's within 5 s; handover-ilink: a leaving node's iLink accounts within 5 s under a stream of messages) run after
 * the others, one at a time: beside 20 other test processes on 2 cores their times would measure the suite's load
 * rather than weiroto (handover-ilink took 7.2 s at load 24 among them).
 */
const ALONE = ['test/cluster/handover-ilink.test.ts', 'test/cluster/chaos.test.ts'].map((f) => join(root, f));
/**
 * The longest files start first, the others after them in name order (the slowest of a quiet 2-core run's TEST_TIMES,
 * slowest first): two slots that take the next file as they free up would otherwise leave a long file that starts near
 * the end running alone. Update it from `TEST_TIMES=<file>` when the slowest change.
 */
const LONGEST = [
  'test/admin/plugin-settings.test.ts',
  'test/cluster/panel-relay.test.ts',
  'test/admin/first-hour.test.ts',
  'test/admin/account-states.test.ts',
  'test/admin/flash-kinds.test.ts',
  'test/cluster/start-together.test.ts',
  'test/admin/ilink-demo-browser.test.ts',
  'test/admin/login-throttle.test.ts',
  'test/cluster/fencing.test.ts',
  'test/cluster/queues.test.ts',
  'test/cluster/panel.test.ts',
  'test/store/postgres-server.test.ts',
].map((f) => join(root, f));
const rank = (f) => (LONGEST.includes(f) ? LONGEST.indexOf(f) : LONGEST.length);
const alone = files.filter((f) => ALONE.includes(f));
const together = files.filter((f) => !ALONE.includes(f)).sort((a, b) => rank(a) - rank(b));
/**
 * Two processes at a time. Three were tried on 2 cores (stop 29): TEST_TIMES's CPU column reads about 945 s for the 89
 * processes against a 750-s stage, so the files do wait, yet the quiet fresh-clone stage took 749.6 s against 704-749 s
 * at two: what they wait for is shared (the Chromium files slowed most, plugin-settings 64 → 145 s), not idle cores.
 */
const concurrency = process.env.TEST_CONCURRENCY || '2';
const pgUrl = await sharedPostgres();
// On PostgreSQL, conversations (src/testing) open their stores through the switch too (test/helpers/store-switch.ts).
const preload = store === 'postgres' ? ['--import', './test/helpers/store-switch.ts'] : [];
const env = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.LOG_LEVEL || 'silent', TEST_STORE: store, ...(pgUrl && { TEST_PG_URL: pgUrl }) };
// TEST_TIMES=<file>: each test file's time, the slowest first, written there too (scripts/test-times.mjs; the timed run's to <file>.alone).
// scripts/run-tests.mjs, not `node --test`, which would run the files in name order whatever order they are given in.
// With it, each test process also notes its tree's CPU time as it exits (scripts/cpu-at-exit.mjs), for a "cpu s" column.
const nodeTest = (concurrencyOf, list, suffix = '') => [
  '--import',
  'tsx',
  ...preload,
  ...(process.env.TEST_TIMES ? ['--import', './scripts/cpu-at-exit.mjs'] : []),
  'scripts/run-tests.mjs',
  '--concurrency',
  String(concurrencyOf),
  ...(process.env.TEST_TIMES ? ['--times', `${process.env.TEST_TIMES}${suffix}`] : []),
  ...list,
];
// Small files share processes (scripts/test-groups.mjs; TEST_GROUPS=0 runs each file in its own).
const entries =
  process.env.TEST_GROUPS === '0' ? together : groupTestFiles(together, { root, dir: join(root, 'test-output', 'test-groups'), keepAlone: LONGEST });
if (together.length) run(`tests (${together.length} files in ${entries.length} processes)`, process.execPath, nodeTest(concurrency, entries), { env });
if (alone.length) run(`timed tests, alone (${alone.length} file${alone.length > 1 ? 's' : ''})`, process.execPath, nodeTest(1, alone, '.alone'), { env });
