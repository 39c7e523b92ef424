/**
 * One PostgreSQL server for a whole test run (scripts/test.mjs starts it): prints its address on the first line, and
 * stops the server when its standard input closes (the test command ended, however it ended) or on SIGTERM.
 */
import { startPostgres } from './postgres.js';

const server = await startPostgres();
let stopped = false;
const stop = (): void => {
  if (stopped) return;
  stopped = true;
  server.stop();
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.on('SIGTERM', stop);
process.stdin.resume();
process.stdout.write(`${server.url}\n`);
