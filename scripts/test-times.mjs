// A node:test reporter that writes, at the end of a run, one line per test file: the time its top-level tests and
// suites took (summed, so a process's start-up and imports are not in it), how many tests it ran, and its path;
// the slowest first. scripts/test.mjs adds it when TEST_TIMES names a file, to find the files a whole run waits on.
export default async function* testTimes(source) {
  /** @type {Map<string, { ms: number, tests: number }>} */
  const files = new Map();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, nesting, details } = event.data;
    if (!file) continue;
    const entry = files.get(file) ?? { ms: 0, tests: 0 };
    if (nesting === 0) entry.ms += details.duration_ms ?? 0;
    if (details.type !== 'suite') entry.tests++;
    files.set(file, entry);
  }
  const rows = [...files].sort((a, b) => b[1].ms - a[1].ms);
  yield `# seconds\ttests\tfile\n${rows.map(([file, { ms, tests }]) => `${(ms / 1000).toFixed(1)}\t${tests}\t${file}`).join('\n')}\n`;
}
