// Prints the largest files and functions of src/ (in lines), for the architecture notes:
// `node scripts/code-size.mjs [top]`. Functions are every function, method, arrow and accessor.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..');
const top = Number(process.argv[2] ?? 5);

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

const fileSizes = [];
const functionSizes = [];
for (const path of files(join(root, 'src'))) {
  const text = readFileSync(path, 'utf8');
  const rel = relative(root, path);
  fileSizes.push({ lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), where: rel });
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name?.getText?.() ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : '(anonymous)');
      functionSizes.push({ lines: end - start + 1, where: `${rel}:${start + 1} ${name}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
const show = (title, list) => {
  console.log(title);
  for (const x of list.sort((a, b) => b.lines - a.lines).slice(0, top)) console.log(`  ${String(x.lines).padStart(5)}  ${x.where}`);
};
show('largest files (lines)', fileSizes);
show('largest functions (lines)', functionSizes);
