// A node:test reporter that writes, at the end of a run, one line per test file: the time its top-level tests and
// suites took (summed, so a process's start-up and imports are not in it), the whole time of the process it ran in,
// how many tests it ran, and its path; the slowest (whole) first. A file that ran in a group (scripts/test-groups.mjs)
// has the time of its suite in the group and no whole time of its own; the group has a line of its own, with its whole
// time. With `cpuLog` (the lines scripts/cpu-at-exit.mjs wrote), each process's CPU time too, its children's in it: what
// it computed, whatever the machine's load, where its whole time also counts what it waited for. scripts/test.mjs adds it when TEST_TIMES names a file, to find the files a whole run waits on and what each
// spends outside its tests.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export default async function* testTimes(source, cpuLog) {
  /** @type {Map<string, { ms: number, whole: number | undefined, tests: number }>} */
  const files = new Map();
  const entryOf = (file) => files.get(file) ?? files.set(file, { ms: 0, whole: undefined, tests: 0 }).get(file);
  for await (const event of source) {
    const { file, nesting, name, details } = event.data ?? {};
    if (!file) continue;
    // run() reports each process as a test named by its file's path, completed when the process ends.
    const isProcess = nesting === 0 && resolve(name) === file;
    if (event.type === 'test:complete' && isProcess) entryOf(file).whole = details.duration_ms ?? 0;
    if ((event.type !== 'test:pass' && event.type !== 'test:fail') || isProcess) continue;
    if (nesting === 0 && file.endsWith('.test.mjs')) {
      // A group's suite of one file, named by its path (its tests are reported under that path, one level down).
      const ms = details.duration_ms ?? 0;
      entryOf(resolve(name)).ms += ms;
      entryOf(file).ms += ms;
      entryOf(file).tests += entryOf(resolve(name)).tests;
      continue;
    }
    const entry = entryOf(file);
    if (nesting === 0) entry.ms += details.duration_ms ?? 0;
    if (details.type !== 'suite') entry.tests++;
  }
  const cpu = new Map(
    (cpuLog && existsSync(cpuLog) ? readFileSync(cpuLog, 'utf8').trim().split('\n') : [])
      .map((l) => l.split('\t'))
      .map(([s, file]) => [resolve(file), Number(s) * 1000]),
  );
  const rows = [...files].sort((a, b) => (b[1].whole ?? b[1].ms) - (a[1].whole ?? a[1].ms));
  const s = (ms) => (ms === undefined ? '-' : (ms / 1000).toFixed(1));
  yield `# tests s\twhole s\tcpu s\ttests\tfile\n${rows.map(([file, { ms, whole, tests }]) => `${s(ms)}\t${s(whole)}\t${s(cpu.get(file))}\t${tests}\t${file}`).join('\n')}\n`;
}
