// Many accounts in ONE weiroto process (the scale part of bench/compare): the compiled server
// (dist/, as `weiroto start` runs it) with startServer from src/main.ts, then ACCOUNTS accounts
// added through the AccountManager; each shows a QR that the benchmark scans in the sandbox.
// Started with the test/helpers/wechat4u-hosts.cjs preload, like `weiroto start` in the comparison.
// RESTORE=1: a restart of the same DATA_DIR instead: every saved account is brought back by
// startAll (in waves of LOGIN_CONCURRENCY), with no QR.
// Prints {"event":"listening","url"} once every account is launched; SIGTERM stops it cleanly.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(import.meta.dirname, '../../dist/src');
const { loadConfig } = await import(pathToFileURL(resolve(dist, 'config.js')).href);
const { createLogger } = await import(pathToFileURL(resolve(dist, 'logger.js')).href);
const { startServer } = await import(pathToFileURL(resolve(dist, 'main.js')).href);

const restore = process.env.RESTORE === '1';
const count = Number(process.env.ACCOUNTS || 0);
if (!(count > 0)) throw new Error('weiroto-multi.mjs needs ACCOUNTS');
const config = loadConfig(process.env, { envFile: false });
const log = createLogger({ level: config.logLevel });
const server = await startServer({ config, log, startAccounts: restore });
if (!restore) for (let i = 0; i < count; i++) await server.manager.add(`bench ${i + 1}`);
process.stdout.write(JSON.stringify({ event: 'listening', url: server.url, accounts: count }) + '\n');

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
