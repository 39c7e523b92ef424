/**
 * Reads burst allocation profiles (bench/compare/alloc-profile.cjs) and prints the bytes allocated per
 * echo: in all, by the function that allocated them (self), and by the nearest function of weiroto's
 * own code on the stack (the allocations of Node's internals charged to whoever called them).
 *
 * Run: node --import tsx bench/compare/alloc-table.ts <burst size> <file.heapprofile>...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface AllocNode {
  callFrame: CallFrame;
  selfSize: number;
  children: AllocNode[];
}

const key = (f: CallFrame): string =>
  `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : ''}`.trim();
const own = (f: CallFrame): boolean => /\/dist\/(src|plugins)\//.test(f.url);

const [burstArg, ...files] = process.argv.slice(2);
const burst = Number(burstArg);
if (!Number.isFinite(burst) || burst <= 0 || files.length === 0) throw new Error('usage: alloc-table.ts <burst size> <file.heapprofile>...');

const top = (m: Map<string, number>, n: number): string =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${(v / burst).toFixed(0).padStart(7)}  ${k}`)
    .join('\n');

for (const file of files) {
  const head = (JSON.parse(readFileSync(file, 'utf8')) as { head: AllocNode }).head;
  const self = new Map<string, number>();
  const byOwn = new Map<string, number>();
  let total = 0;
  const walk = (n: AllocNode, nearest: string): void => {
    const here = own(n.callFrame) ? key(n.callFrame) : nearest;
    if (n.selfSize) {
      total += n.selfSize;
      self.set(key(n.callFrame), (self.get(key(n.callFrame)) ?? 0) + n.selfSize);
      byOwn.set(here, (byOwn.get(here) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c, here);
  };
  walk(head, '(no weiroto frame)');
  console.log(`${basename(file)}: ${(total / burst).toFixed(0)} bytes allocated per echo (${(total / 2 ** 20).toFixed(1)} MiB in all)\n`);
  console.log(`bytes per echo, by nearest weiroto frame\n${top(byOwn, 40)}\n`);
  console.log(`bytes per echo, by allocating function\n${top(self, 25)}\n`);
}
