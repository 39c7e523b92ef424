// Preloaded into each test process when TEST_TIMES is set (scripts/test.mjs): as the process exits, it appends the CPU
// time of its whole tree (its own, and that of every child it waited for: Chromium, `weiroto start` nodes,
// redis-server) and its test file to the file named by TEST_CPU_LOG, for scripts/test-times.mjs. CPU seconds do not
// grow when other work loads the machine, as wall seconds do: they tell a file that computes from one that waits.
import { appendFileSync, readFileSync } from 'node:fs';

const log = process.env.TEST_CPU_LOG;
// The test file is the script a test process runs (scripts/run-tests.mjs, which starts them, runs no test file itself).
const file = /\.test\.(ts|mjs)$/.test(process.argv[1] ?? '') ? process.argv[1] : undefined;
if (log && file)
  process.on('exit', () => {
    try {
      // /proc/self/stat after the name: utime, stime, cutime, cstime are the 12th to 15th fields, in clock ticks (100 a second).
      const [utime, stime, cutime, cstime] = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').slice(11, 15).map(Number);
      appendFileSync(log, `${((utime + stime + cutime + cstime) / 100).toFixed(1)}\t${file}\n`);
    } catch {
      // Not Linux: no CPU column.
    }
  });
