/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for the comparison benchmark, with BENCH_BURST_PROF (which sends SIGUSR2 around the echo
// burst): counts the process's system calls during the burst with `strace -f -c` attached to it
// (every thread), and writes strace's table to <BENCH_BURST_PROF>/<pid>-syscalls.txt when the burst
// ends. Divide a call's count by the burst's size: the writes (each one TLS record or more) and reads
// per echo, a figure the machine's load does not change. Needs strace on PATH and the right to trace
// one's own processes. Run: BENCH_BURST_PROF=<dir> BENCH_NODE_ARGS="--require <this file>".
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const dir = process.env.BENCH_BURST_PROF;
if (!dir) throw new Error('syscall-count.cjs needs BENCH_BURST_PROF');
let strace;
process.on('SIGUSR2', () => {
  if (!strace) {
    const file = join(dir, `${process.pid}-syscalls.txt`);
    strace = spawn('strace', ['-f', '-c', '-o', file, '-p', String(process.pid)], { stdio: 'ignore' });
    return;
  }
  strace.kill('SIGINT');
});
