/**
 * The supervisor of one test PostgreSQL server (started by scripts/test.mjs for a whole run, or by
 * `startSupervisedPostgres` in test/helpers/postgres.ts for one test process): prints the server's address on the
 * first line, and stops the server when its standard input closes (the process that started it ended, however it
 * ended: the kernel closes the pipe even after kill -9) or on SIGTERM, SIGINT or SIGHUP.
 */
import { messageOf } from '../../src/util/error-text.js';
import { startPostgres } from './postgres.js';

// Asked to stop before the server is up: it stops once it is (a signal's default action now would leave it running).
let ending = false;
let stop = (): void => void (ending = true);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => stop());
process.stdin.on('end', () => stop());
process.stdin.on('close', () => stop());
process.stdin.on('error', () => stop());
process.stdin.resume();
const server = await startPostgres();
let stopped = false;
stop = (): void => {
  if (stopped) return;
  stopped = true;
  try {
    server.stop();
  } catch (e) {
    process.stderr.write(`the test PostgreSQL server in ${server.dir} did not stop: ${messageOf(e)}\n`);
    process.exit(1);
  }
  process.exit(0);
};
if (ending) stop();
process.stdout.write(`${server.url}\n`);
