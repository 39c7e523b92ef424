// The comparison bench's CPU split by thread (BENCH_THREADS=1): the main thread apart from V8's and libuv's helpers,
// read from /proc/<pid>/task on this very process. Each side spins until the split itself says it spent 200 ms, so a
// loaded machine only makes the test slower, and the other side must not have been charged for it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { cpuMs, threadCpuMs, threadLine } from '../../bench/compare/proc.js';

const MAIN = 'main thread';
const others = (m: Map<string, number>): number => [...m].reduce((sum, [name, ms]) => (name === MAIN ? sum : sum + ms), 0);
const main = (m: Map<string, number>): number => m.get(MAIN) ?? NaN;

describe('bench/compare thread CPU', () => {
  it('charges the main thread for its own work and the other threads for a worker’s, and sums to the process', async () => {
    const t0 = threadCpuMs(process.pid);
    const process0 = cpuMs(process.pid);
    while (main(threadCpuMs(process.pid)) - main(t0) < 200) {
      const end = performance.now() + 5;
      while (performance.now() < end);
    }
    const t1 = threadCpuMs(process.pid);
    assert.ok(others(t1) - others(t0) < 100, `the main thread's 200 ms went to the others: ${others(t1) - others(t0)} ms`);

    // A worker spins until told to stop; the main thread sleeps meanwhile.
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(
      `const { workerData } = require('node:worker_threads'); while (Atomics.load(workerData, 0) === 0) for (let i = 0; i < 1e5; i++);`,
      { eval: true, workerData: stop },
    );
    let t2 = threadCpuMs(process.pid);
    const deadline = Date.now() + 30_000;
    while (others(t2) - others(t1) < 200 && Date.now() < deadline) {
      await sleep(20);
      t2 = threadCpuMs(process.pid);
    }
    // Read while the worker still runs: a thread that has ended is gone from /proc/<pid>/task.
    const process2 = cpuMs(process.pid);
    Atomics.store(stop, 0, 1);
    await worker.terminate();
    assert.ok(others(t2) - others(t1) >= 200, `the worker's CPU: ${others(t2) - others(t1)} ms in 30 s`);
    assert.ok(main(t2) - main(t1) < others(t2) - others(t1), `the main thread slept: ${main(t2) - main(t1)} ms`);
    // Compared as what was spent meanwhile: a thread that ended earlier in this process keeps its time in the process's total.
    const threads = main(t2) - main(t0) + others(t2) - others(t0);
    assert.ok(Math.abs(threads - (process2 - process0)) <= 60, `threads ${threads} ms against the process's ${process2 - process0} ms`);
  });

  it('prints what each spent per echo, largest first, and nothing of a thread that spent nothing', () => {
    const before = new Map([
      [MAIN, 1000],
      ['other threads (node)', 500],
      ['other threads (idle)', 7],
    ]);
    const after = new Map([
      [MAIN, 1600],
      ['other threads (node)', 1300],
      ['other threads (idle)', 7],
    ]);
    assert.equal(threadLine(before, after, 2000), 'threads, ms of CPU per echo: other threads (node) 0.400, main thread 0.300');
    assert.equal(threadLine(before, before, 2000), 'threads, ms of CPU per echo: none');
  });
});
