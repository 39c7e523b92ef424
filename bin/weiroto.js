#!/usr/bin/env node
// Entry point of the `weiroto` command. Builds the TypeScript sources when the compiled output is
// missing or older than any source file (so `npm start` on a fresh clone just works), then runs the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src', 'cli.js');

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : name.endsWith('.ts') ? st.mtimeMs : 0);
  }
  return newest;
}

const hasSources = existsSync(join(root, 'src'));
const stale = !existsSync(entry) || (hasSources && Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'plugins'))) > statSync(entry).mtimeMs);
if (stale && hasSources) {
  process.stderr.write('weiroto: building (tsc)…\n');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await import(pathToFileURL(entry).href);
