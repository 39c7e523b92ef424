#!/usr/bin/env node
// Fails when the modules of src/ and plugins/ import each other in a cycle (part of `npm test`).
// Only imports that stay in the emitted JavaScript count: `import type` / `export type` vanish at
// build time and cannot make two modules wait on each other's initialisation; a dynamic `import()`
// runs later, on purpose. `node scripts/check-import-cycles.mjs [dir…]` checks other folders.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const dirs = process.argv.slice(2).length ? process.argv.slice(2) : ['src', 'plugins'];

function* tsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) yield p;
  }
}

/** The local modules a file imports at run time (resolved to .ts paths). */
function runtimeImports(path) {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false);
  const out = [];
  for (const s of source.statements) {
    let spec;
    if (ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly) spec = s.moduleSpecifier;
    else if (ts.isExportDeclaration(s) && !s.isTypeOnly && s.moduleSpecifier) spec = s.moduleSpecifier;
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    const target = resolve(dirname(path), spec.text.replace(/\.js$/, '.ts'));
    if (existsSync(target)) out.push(target);
  }
  return out;
}

const graph = new Map();
for (const d of dirs) for (const f of tsFiles(join(root, d))) graph.set(f, runtimeImports(f));

// Tarjan's strongly connected components: every component with more than one module (or a module
// importing itself) is a cycle.
let index = 0;
const stack = [];
const info = new Map();
const cycles = [];
function connect(v) {
  info.set(v, { index, low: index, onStack: true });
  index++;
  stack.push(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!info.has(w)) {
      connect(w);
      info.get(v).low = Math.min(info.get(v).low, info.get(w).low);
    } else if (info.get(w).onStack) info.get(v).low = Math.min(info.get(v).low, info.get(w).index);
  }
  if (info.get(v).low !== info.get(v).index) return;
  const component = [];
  let w;
  do {
    w = stack.pop();
    info.get(w).onStack = false;
    component.push(w);
  } while (w !== v);
  if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component);
}
for (const v of graph.keys()) if (!info.has(v)) connect(v);

/** The shortest loop through a component's first module, to show. */
function loopIn(component) {
  const members = new Set(component);
  const start = component[0];
  const from = new Map();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v)) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        for (let p = v; p !== start;) path.unshift((p = from.get(p)));
        return [...path, start].map((x) => relative(root, x)).join(' → ');
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return relative(root, start);
}

if (cycles.length) {
  console.error(`Import cycles (${cycles.length}); break each by moving the shared part down a layer or importing a type only:`);
  for (const c of cycles) console.error(`  ${loopIn(c)}${c.length > 2 ? `  (${c.length} modules in the cycle)` : ''}`);
  process.exit(1);
}
console.log(`no import cycle among ${graph.size} modules`);
