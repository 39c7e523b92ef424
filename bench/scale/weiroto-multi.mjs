// Many accounts in ONE weiroto process (the scale bench): the compiled server (dist/, as `weiroto
// start` runs it) with startServer from src/main.ts, then ACCOUNTS accounts of TRANSPORT (web or
// ilink) created in the store and started by the AccountManager's startAll, LOGIN_CONCURRENCY at a
// time as on a restart (1,000 logins at once would time out on a loaded machine, each then retried:
// a herd of its own making); each shows a QR that the benchmark scans in the sandbox.
// Started with the test/helpers/wechat4u-hosts.cjs preload, so the real host names reach the sandbox.
// RESTORE=1: a restart of the same DATA_DIR instead: every saved account is brought back by
// startAll (in waves of LOGIN_CONCURRENCY), with no QR.
// Prints {"event":"listening","url"} once every account is launched, then {"event":"online","count"}
// each time the number of online accounts changes (the driver waits on these, not on a clock);
// SIGTERM stops it cleanly.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const dist = resolve(import.meta.dirname, '../../dist/src');
// The heap settings `weiroto start` applies before it loads the server (src/cli.ts).
(await import(pathToFileURL(resolve(dist, 'util/young-generation.js')).href)).capYoungGeneration();
(await import(pathToFileURL(resolve(dist, 'util/old-generation.js')).href)).limitOldGenerationGrowth();
const { loadConfig } = await import(pathToFileURL(resolve(dist, 'config.js')).href);
const { createLogger } = await import(pathToFileURL(resolve(dist, 'logger.js')).href);
const { startServer } = await import(pathToFileURL(resolve(dist, 'main.js')).href);

const restore = process.env.RESTORE === '1';
const count = Number(process.env.ACCOUNTS || 0);
const transport = process.env.TRANSPORT || 'web';
if (!(count > 0)) throw new Error('weiroto-multi.mjs needs ACCOUNTS');
if (transport !== 'web' && transport !== 'ilink') throw new Error('TRANSPORT must be web or ilink');
// COUNT_WORK=1: count what this process does (the restore's cost per account, bench/scale/run.ts):
// each HTTP request written by the last part of its path, and each SQLite statement run by its first word
// with the rows it changed. SIGUSR1 prints {"event":"work", requests, statements, rows}.
if (process.env.COUNT_WORK === '1') {
  const requests = {};
  const statements = {};
  let rows = 0;
  const counted = (path) => {
    const name = path.split('?')[0].split('/').pop();
    requests[name] = (requests[name] ?? 0) + 1;
  };
  const dc = await import('node:diagnostics_channel');
  // node:http's requests (iLink, media) and the web session's own (protocol/request-start.ts).
  dc.subscribe('http.client.request.start', ({ request }) => counted(request.path));
  const { REQUEST_START } = await import(pathToFileURL(resolve(dist, 'protocol/request-start.js')).href);
  dc.subscribe(REQUEST_START, ({ path }) => counted(path));
  const Database = createRequire(resolve(dist, '../../package.json'))('better-sqlite3');
  const proto = Object.getPrototypeOf(new Database(':memory:').prepare('select 1'));
  const run = proto.run;
  proto.run = function (...args) {
    const verb = this.source.trimStart().split(/\s/, 1)[0].toLowerCase();
    statements[verb] = (statements[verb] ?? 0) + 1;
    const r = run.apply(this, args);
    rows += r.changes;
    return r;
  };
  process.on('SIGUSR1', () => process.stdout.write(JSON.stringify({ event: 'work', requests, statements, rows }) + '\n'));
}
const config = loadConfig(process.env, { envFile: false });
const log = createLogger({ level: config.logLevel });
const server = await startServer({ config, log, startAccounts: restore });

const online = new Set();
let told = -1;
const tell = () => {
  if (online.size === told) return;
  told = online.size;
  process.stdout.write(JSON.stringify({ event: 'online', count: told }) + '\n');
};
const watch = (bot) => {
  const note = (state) => {
    if (state === 'online') online.add(bot.id);
    else online.delete(bot.id);
    tell();
  };
  bot.on('state', ({ state }) => note(state));
  note(bot.info().state);
};
if (!restore) {
  for (let i = 0; i < count; i++) await server.store.accounts.create({ name: `bench ${i + 1}`, transport });
  await server.manager.refresh();
  for (const info of server.manager.list()) watch(server.manager.get(info.id));
  await server.manager.startAll();
} else for (const info of server.manager.list()) watch(server.manager.get(info.id));
process.stdout.write(JSON.stringify({ event: 'listening', url: server.url, accounts: count }) + '\n');
tell();

// IDLE_PROF=<file>: the first SIGUSR2 starts a V8 CPU profile of this process, the next writes it
// there and prints {"event":"profiled"} (the driver profiles only the idle span it measures).
if (process.env.IDLE_PROF) {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  let profiling = false;
  process.on('SIGUSR2', () => {
    profiling = !profiling;
    const step = profiling
      ? session.post('Profiler.enable').then(() => session.post('Profiler.start'))
      : session.post('Profiler.stop').then(({ profile }) => {
          writeFileSync(process.env.IDLE_PROF, JSON.stringify(profile));
          process.stdout.write(JSON.stringify({ event: 'profiled', file: process.env.IDLE_PROF }) + '\n');
        });
    step.catch((e) => process.stderr.write(`IDLE_PROF: ${String(e)}\n`));
  });
}

// HEAP_SNAPSHOT=<file>: SIGWINCH writes a heap snapshot there and prints {"event":"snapshot"}
// (the driver takes one when every long poll is held, to see what the idle heap is made of).
if (process.env.HEAP_SNAPSHOT) {
  const { writeHeapSnapshot } = await import('node:v8');
  process.on('SIGWINCH', () => {
    writeHeapSnapshot(process.env.HEAP_SNAPSHOT);
    process.stdout.write(JSON.stringify({ event: 'snapshot', file: process.env.HEAP_SNAPSHOT }) + '\n');
  });
}

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  server.close().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(String(e && e.stack) + '\n');
      process.exit(1);
    },
  );
});
