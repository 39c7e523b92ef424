#!/usr/bin/env node
// A CPU burner for the stress loop (`npm run test:stress`): keeps every core busy with worker threads that spin on
// arithmetic, so tests that race real time against the scheduler show up here instead of on a busy CI machine.
// `node scripts/cpu-burn.mjs [--workers N] [--seconds S]`; without --seconds it runs until it gets SIGTERM/SIGINT.
import { availableParallelism } from 'node:os';
import { Worker, isMainThread } from 'node:worker_threads';

if (!isMainThread) {
  // Spin forever; the main thread ends the process. The sum is kept so the loop is not optimised away.
  let x = 0;
  for (;;) for (let i = 0; i < 1e7; i++) x = (x + Math.sqrt(i)) % 1e9;
}

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} must be a positive number`);
    process.exit(2);
  }
  return value;
}

const workers = Array.from({ length: flag('workers', availableParallelism()) }, () => new Worker(new URL(import.meta.url)));
const stop = () => {
  for (const w of workers) void w.terminate();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
const seconds = process.argv.includes('--seconds') ? flag('seconds', 0) : 0;
if (seconds) setTimeout(stop, seconds * 1000);
