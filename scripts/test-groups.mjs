// Small test files share a process (scripts/run-tests.mjs): each test file in a process of its own spent about 1.2 s
// starting node, tsx and the same imports again, which for the suite's ~180 small files was a third of their time
// (TEST_TIMES of a quiet run: 626 s in their processes, 310 s in their tests). A group is a generated module that
// imports its files, each inside a suite named by the file's path: node:test then runs each file's tests, and its
// file-level hooks (`before`/`after` outside any suite), within that suite, in turn, as if the file ran alone.
//
// A file keeps a process of its own when sharing one could change what it tests, read from its imports (relative ones,
// followed through test/ and src/): it launches Chromium or starts child processes (their clean-up waits on the
// process's end: test/helpers/child.ts kills leftovers in a file-level `after`, which in a group would run once, after
// the first file that imported it), it runs redis-server, it is in `OWN_PROCESS` below, or it is one of the long files
// scripts/test.mjs starts first.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Files that stay alone although their imports look harmless, and why. */
const OWN_PROCESS = new Map([
  // Reads what node:test's mock timers leave patched.
  ['test/protocol/http-engine.test.ts', 'mocks the timers'],
]);

/** Imported modules that make a file keep its own process. */
const ALONE_IF_IMPORTED = [
  ['test/helpers/child.ts', 'starts child processes'],
  ['test/helpers/redis.ts', 'runs redis-server'],
];

/**
 * At most this many files a group: two slots share the groups like files, and a group as long as the longest files
 * would be left running alone at the end (twelve of test/admin's took 100 s on a quiet machine).
 */
const GROUP_SIZE = 8;

/** The relative imports of `file` that are inside the project (a `.js` specifier names its `.ts` source). */
function importsOf(file, root) {
  let source;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const found = [];
  for (const m of source.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    let path = resolve(dirname(file), m[1]);
    if (path.endsWith('.js') && existsSync(path.slice(0, -3) + '.ts')) path = path.slice(0, -3) + '.ts';
    if (!relative(root, path).startsWith('..')) found.push(path);
  }
  return found;
}

/** Why `file` keeps a process of its own, or undefined when it can share one. */
function ownProcessReason(file, root, importsCache) {
  const name = relative(root, file);
  if (OWN_PROCESS.has(name)) return OWN_PROCESS.get(name);
  const source = readFileSync(file, 'utf8');
  if (/from 'playwright-core'/.test(source)) return 'drives Chromium';
  if (/\b(spawn|spawnSync|fork|execFile|execFileSync)\(/.test(source)) return 'starts child processes';
  const seen = new Set();
  const stack = [file];
  while (stack.length) {
    const next = stack.pop();
    if (seen.has(next)) continue;
    seen.add(next);
    for (const [module, why] of ALONE_IF_IMPORTED) if (next === join(root, module)) return why;
    if (!importsCache.has(next)) importsCache.set(next, importsOf(next, root));
    stack.push(...importsCache.get(next));
  }
  return undefined;
}

/**
 * The entries to hand to node:test's `run()` for `files` (absolute paths, in the order to start them): each file that
 * keeps its own process as it is, the others in groups of up to GROUP_SIZE files of one folder under test/, written as
 * modules into `dir`. `keepAlone` files (the long ones started first) are never grouped and stay first; the groups come
 * next, as they are longer than most files left, and the files on their own of the rest after them, in their order.
 */
export function groupTestFiles(files, { root, dir, keepAlone = [] }) {
  const importsCache = new Map();
  const entries = [];
  /** The open group of each folder: the entry it fills. */
  const open = new Map();
  for (const file of files) {
    if (keepAlone.includes(file) || ownProcessReason(file, root, importsCache)) {
      entries.push({ file });
      continue;
    }
    const folder = relative(root, dirname(file)).split('/').slice(0, 2).join('/');
    let group = open.get(folder);
    if (!group || group.files.length >= GROUP_SIZE) {
      group = { folder, files: [] };
      open.set(folder, group);
      entries.push(group);
    }
    group.files.push(file);
  }
  mkdirSync(dir, { recursive: true });
  const count = new Map();
  const rank = (entry) => (entry.file ? (keepAlone.includes(entry.file) ? 0 : 2) : 1);
  const ordered = entries.map((entry) => (entry.files?.length === 1 ? { file: entry.files[0] } : entry)).sort((a, b) => rank(a) - rank(b));
  return ordered.map((entry) => {
    if (entry.file) return entry.file;
    const n = (count.get(entry.folder) ?? 0) + 1;
    count.set(entry.folder, n);
    const path = join(dir, `${entry.folder.replaceAll('/', '-')}-${n}.test.mjs`);
    const list = entry.files.map((f) => [relative(root, f), pathToFileURL(f).href]);
    writeFileSync(
      path,
      `// Generated by scripts/test-groups.mjs for one test run: these files in one process, each in a suite of its own.\n` +
        `import { describe } from 'node:test';\n` +
        `for (const [name, url] of ${JSON.stringify(list, null, 2)}) describe(name, () => import(url));\n`,
    );
    return path;
  });
}
