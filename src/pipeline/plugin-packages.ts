/**
 * Plugins installed as npm packages: every package named `weiroto-plugin-*` (or
 * `@scope/weiroto-plugin-*`) in the node_modules folders the server is given (main.ts: the working
 * directory's and weiroto's own), found by name and imported through its package.json entry
 * (`exports["."]`, then `main`, then `index.js`). Like a PLUGIN_DIR folder, the package's entry
 * exports `plugin` and imports `weiroto/plugin` by package name.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'weiroto-plugin-';

/** The folders of `weiroto-plugin-*` packages in one node_modules folder, by package name. */
export function findPluginPackages(nodeModules: string): { name: string; folder: string }[] {
  if (!existsSync(nodeModules)) return [];
  const found: { name: string; folder: string }[] = [];
  for (const entry of readdirSync(nodeModules).sort()) {
    if (entry.startsWith('@')) {
      const scope = join(nodeModules, entry);
      if (!statSync(scope).isDirectory()) continue;
      for (const sub of readdirSync(scope).sort()) if (sub.startsWith(PREFIX)) found.push({ name: `${entry}/${sub}`, folder: join(scope, sub) });
    } else if (entry.startsWith(PREFIX)) found.push({ name: entry, folder: join(nodeModules, entry) });
  }
  return found.filter((p) => existsSync(join(p.folder, 'package.json')));
}

/** The file a package's import of its own name leads to (ESM conditions: import, node, default). */
export function packageEntry(folder: string): string {
  const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { exports?: unknown; main?: unknown };
  const target = pick(pkg.exports) ?? (typeof pkg.main === 'string' ? pkg.main : 'index.js');
  return join(folder, target);
}

function pick(exportsField: unknown): string | undefined {
  if (typeof exportsField === 'string') return exportsField;
  if (typeof exportsField !== 'object' || exportsField === null) return undefined;
  const map = exportsField as Record<string, unknown>;
  if ('.' in map) return pick(map['.']);
  for (const condition of ['import', 'node', 'default']) if (condition in map) return pick(map[condition]);
  return undefined;
}
