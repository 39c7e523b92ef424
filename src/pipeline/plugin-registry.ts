/**
 * Every plugin this process knows: built-ins from `plugins/<name>/index.ts` (compiled:
 * `dist/plugins/<name>/index.js`), user plugins from PLUGIN_DIR (each a folder whose index exports
 * `plugin`, a `definePlugin(...)` value) and npm packages named `weiroto-plugin-*`
 * (plugin-packages.ts). One registry per process; instances per account live in PluginHost.
 *
 * With `lazy` (the server), a folder with a `manifest` file (every built-in) is known by its
 * manifest alone and its code (with zod, croner, the AI client…) is imported when first needed: an
 * account switches it on, or the panel or the API is first used (`loadAll`). A plugin nobody
 * switched on is then never loaded.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { manifestOf, type PluginDefinition, type PluginManifest } from './plugin.js';
import type { PluginForm } from './plugin-form.js';
import { PhrasedError, say, phraseOf, type Phrase, type PhraseBook } from '../util/phrase.js';
import { PHRASES } from '../util/phrase-book.js';
import { findPluginPackages, packageEntry } from './plugin-packages.js';
import { messageOf } from '../util/error-text.js';

/** A plugin that was found but not loaded (it never runs; the others do). */
export interface PluginLoadProblem {
  /** The plugin's folder or npm package name (its own name is unknown when its module did not load). */
  name: string;
  /** The file (or folder) that failed. */
  path: string;
  /** Why, in English (logs, API). */
  error: string;
  /** The same as a phrase, for the panel's language. */
  phrase: Phrase;
}

export interface RegistryLoadOptions {
  /** Built-in plugins folder; default: the package's `plugins/` next to this build. */
  builtinDir?: string | false;
  /** PLUGIN_DIR: user plugins. */
  pluginDir?: string | undefined;
  /** node_modules folders to search for `weiroto-plugin-*` packages (default: none). */
  packageDirs?: readonly string[];
  /** Know plugins that have a manifest by it, and import their code on first use (default: import every plugin now). */
  lazy?: boolean;
}

/** A plugin known by its manifest whose code is imported on first use. */
interface Deferred {
  manifest: PluginManifest;
  /** Its index file and folder name (for a load problem). */
  file: string;
  folder: string;
  loading?: Promise<PluginDefinition | undefined>;
}

/** The package's plugins folder as seen from this file (src/ through tsx, or dist/src/ compiled). */
export function builtinPluginDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'plugins');
}

function sayProblem(code: 'plugin.load.no-folder' | 'plugin.load.failed', params?: { error: string }): { error: string; phrase: Phrase } {
  const { message, phrase } = say(PHRASES, code, params);
  return { error: message, phrase };
}

function isDefinition(v: unknown): v is PluginDefinition {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Record<string, unknown>;
  return typeof d.name === 'string' && typeof d.setup === 'function' && d.config instanceof z.ZodType;
}

export class PluginRegistry {
  private defs = new Map<string, PluginDefinition>();
  /** Every plugin's manifest in the order found (loaded or not): the order `list` and `manifests` keep. */
  private known = new Map<string, PluginManifest>();
  private deferred = new Map<string, Deferred>();
  private schemas = new Map<string, unknown>();
  /** npm plugin packages already imported (by package name). */
  private packages = new Set<string>();
  /** Plugins that could not be loaded, with the reason (shown in the panel and logged at start). */
  readonly problems: PluginLoadProblem[] = [];

  constructor(definitions: PluginDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  /**
   * Load built-in and user plugins.
   *
   * @example
   *   const registry = await PluginRegistry.load({ pluginDir: config.pluginDir });
   *   registry.list().map((p) => p.name);
   */
  static async load(options: RegistryLoadOptions = {}): Promise<PluginRegistry> {
    const registry = new PluginRegistry();
    const dirs = [options.builtinDir === false ? undefined : (options.builtinDir ?? builtinPluginDir()), options.pluginDir];
    for (const dir of dirs) if (dir) await registry.loadDir(dir, options.lazy);
    for (const dir of new Set(options.packageDirs ?? [])) await registry.loadPackages(dir);
    return registry;
  }

  /** Import every `weiroto-plugin-*` package in a node_modules folder (a name found twice loads once). */
  async loadPackages(nodeModules: string): Promise<void> {
    for (const { name, folder } of findPluginPackages(nodeModules)) {
      if (this.packages.has(name)) continue;
      this.packages.add(name);
      await this.importPlugin(packageEntry(folder), `npm package ${name}`, name);
    }
  }

  /** Import every `<dir>/<name>/index.{js,ts}` (js preferred: compiled output); with `lazy`, only the manifest of a folder that has one. */
  async loadDir(dir: string, lazy = false): Promise<void> {
    if (!existsSync(dir)) {
      this.problems.push({ name: basename(dir), path: dir, ...sayProblem('plugin.load.no-folder') });
      return;
    }
    const first = (folder: string, base: string): string | undefined => ['.js', '.mjs', '.ts'].map((x) => join(folder, base + x)).find((f) => existsSync(f));
    for (const entry of readdirSync(dir).sort()) {
      const folder = join(dir, entry);
      if (!statSync(folder).isDirectory()) continue;
      const file = first(folder, 'index');
      if (!file) continue;
      const manifestFile = lazy ? first(folder, 'manifest') : undefined;
      if (manifestFile) await this.importManifest(manifestFile, file, entry);
      else await this.importPlugin(file, 'index', entry);
    }
  }

  /** Know a plugin by its manifest (its code is imported by `load`); a bad manifest is a problem like a bad index. */
  private async importManifest(manifestFile: string, file: string, folder: string): Promise<void> {
    try {
      const m = ((await import(pathToFileURL(manifestFile).href)) as { manifest?: PluginManifest }).manifest;
      if (typeof m?.name !== 'string' || typeof m.description !== 'string')
        throw new Error(`${manifestFile} does not export a manifest with a name and a description`);
      if (this.known.has(m.name)) throw new Error(`A plugin named "${m.name}" is already registered`);
      this.known.set(m.name, m);
      this.deferred.set(m.name, { manifest: m, file, folder });
    } catch (e) {
      const error = messageOf(e);
      this.problems.push({ name: folder, path: manifestFile, error, phrase: sayProblem('plugin.load.failed', { error }).phrase });
    }
  }

  /**
   * The plugin's definition, its code imported first when it is known by its manifest only.
   * Undefined when no plugin has that name or its code did not load (the reason is in `problems`).
   */
  load(name: string): Promise<PluginDefinition | undefined> {
    const loaded = this.defs.get(name);
    if (loaded) return Promise.resolve(loaded);
    const d = this.deferred.get(name);
    if (!d) return Promise.resolve(undefined);
    return (d.loading ??= this.importPlugin(d.file, 'index', d.folder, d.manifest).then(() => {
      this.deferred.delete(name);
      const def = this.defs.get(name);
      // Not loaded: it stays known (accounts keep its settings) and `problems` says why.
      if (!def) this.known.set(name, d.manifest);
      return def;
    }));
  }

  /** Import every plugin known by its manifest only (the panel and the API list them all with their schemas). */
  async loadAll(): Promise<void> {
    await Promise.all([...this.deferred.keys()].map((n) => this.load(n)));
  }

  /** Import one plugin module; what goes wrong is kept in `problems`, never thrown. */
  private async importPlugin(file: string, what: string, name: string, manifest?: PluginManifest): Promise<void> {
    try {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      if (!isDefinition(mod.plugin)) {
        const { message, phrase } = say(PHRASES, 'plugin.load.no-export', { what });
        throw new PhrasedError(message, phrase);
      }
      if (manifest && mod.plugin.name !== manifest.name) throw new Error(`${file} defines "${mod.plugin.name}", its manifest "${manifest.name}"`);
      this.register(mod.plugin, manifest !== undefined);
    } catch (e) {
      const error = messageOf(e);
      this.problems.push({ name, path: file, error, phrase: phraseOf(e) ?? sayProblem('plugin.load.failed', { error }).phrase });
    }
  }

  /** Add a definition (tests, embedding). Names are unique. */
  register(def: PluginDefinition, deferred = false): void {
    if (!isDefinition(def)) throw new TypeError('register: not a plugin definition');
    if (this.defs.has(def.name) || (!deferred && this.known.has(def.name))) throw new Error(`A plugin named "${def.name}" is already registered`);
    this.defs.set(def.name, def);
    this.known.set(def.name, manifestOf(def));
  }

  /** The plugins whose code is loaded, in the order found (after `loadAll`: every plugin). */
  list(): PluginDefinition[] {
    return [...this.known.keys()].flatMap((n) => this.defs.get(n) ?? []);
  }

  /** Every plugin known, loaded or not, in the order found. */
  manifests(): PluginManifest[] {
    return [...this.known.values()];
  }

  /** A loaded plugin's definition (see `load` for one known by its manifest only). */
  get(name: string): PluginDefinition | undefined {
    return this.defs.get(name);
  }

  /** Whether a plugin of that name is known (loaded or not). */
  has(name: string): boolean {
    return this.known.has(name);
  }

  /** The JSON Schema of a plugin's config (for the panel form and `GET /plugins`). */
  jsonSchema(name: string): unknown {
    const def = this.defs.get(name);
    if (!def) throw new Error(`No plugin named "${name}"`);
    let s = this.schemas.get(name);
    if (s === undefined) {
      s = z.toJSONSchema(def.config, { io: 'input', unrepresentable: 'any' });
      this.schemas.set(name, s);
    }
    return s;
  }

  /** The plugin's settings-page metadata (labels, help, widgets), when it declares any. */
  form(name: string): PluginForm | undefined {
    return this.defs.get(name)?.form as PluginForm | undefined;
  }

  /** The plugin's phrase book (its texts for people, in English and Chinese), when it declares one. */
  phrases(name: string): PhraseBook | undefined {
    return this.defs.get(name)?.phrases;
  }

  /** Names of a plugin's write-only settings (JSON Schema `writeOnly` or `format: password`): sealed at rest, never shown. */
  secretFields(name: string): string[] {
    const props = (this.jsonSchema(name) as { properties?: Record<string, { writeOnly?: boolean; format?: string }> }).properties ?? {};
    return Object.entries(props)
      .filter(([, p]) => p.writeOnly === true || p.format === 'password')
      .map(([k]) => k);
  }
}
