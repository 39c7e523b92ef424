// The test files of one run, through node's test runner API rather than `node --test`: `node --test` sorts the files it
// is given by name, `run()` starts them in the order given (scripts/test.mjs puts the longest first). Started by
// scripts/test.mjs as `node --import tsx [preloads] scripts/run-tests.mjs`; the test processes inherit those flags.
// Arguments: `--concurrency N`, `--times FILE` (each file's time there too, scripts/test-times.mjs), then the files.
import { createWriteStream, rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import testTimes from './test-times.mjs';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : undefined;
};
const concurrency = Number(option('--concurrency') ?? 2);
const times = option('--times');

// The test processes (which inherit this environment) note their CPU time there as they exit (scripts/cpu-at-exit.mjs).
if (times) {
  process.env.TEST_CPU_LOG = `${times}.cpu`;
  rmSync(process.env.TEST_CPU_LOG, { force: true });
}
const events = run({ files: args, concurrency });
// As `node --test`: the run fails when any test (or a file's process) failed.
events.on('test:fail', () => (process.exitCode = 1));
const toSpec = events.pipe(new PassThrough({ objectMode: true }));
toSpec.compose(spec).pipe(process.stdout);
if (times)
  events
    .pipe(new PassThrough({ objectMode: true }))
    .compose((source) => testTimes(source, process.env.TEST_CPU_LOG))
    .pipe(createWriteStream(times));
