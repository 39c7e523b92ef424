/**
 * A plugin config is checked whole before it is kept: the schema's own rules; every key the schema
 * does not know (zod would drop it silently, so `"cooldown": 60` meant no cooldown), refused with the
 * nearest known key; and the plugin's own `check` against the account (chats that must exist …).
 * The API, the panel and PluginHost all go through here, so each refuses the same configs.
 */
import type { z } from 'zod';
import type { BotHandle } from '../bot/types.js';
import type { ConfigIssue, PluginDefinition } from './plugin.js';
import { say } from '../util/phrase.js';
import type { Phrase } from '../util/phrase.js';
import { PHRASES } from '../util/phrase-book.js';

export type ConfigCheck<T> = { ok: true; config: T } | { ok: false; issues: ConfigIssue[] };

/** The internals zod 4 keeps on every schema (`schema._zod.def`), as far as this walk needs them. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Wrappers that hold one schema and do not change the shape of the value. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional', 'success']);

/** The object shapes a value at this schema may take (through wrappers, pipes, unions, intersections). */
function shapesOf(schema: z.ZodType, depth = 0): Def[] {
  const d = defOf(schema);
  if (depth > 20) return [];
  if (WRAPPERS.has(d.type) && d.innerType) return shapesOf(d.innerType, depth + 1);
  if (d.type === 'pipe' && d.in) return shapesOf(d.in, depth + 1);
  if (d.type === 'lazy' && d.getter) return shapesOf(d.getter(), depth + 1);
  if (d.type === 'union' && d.options) return d.options.flatMap((o) => shapesOf(o, depth + 1));
  if (d.type === 'intersection' && d.left && d.right) return [...shapesOf(d.left, depth + 1), ...shapesOf(d.right, depth + 1)];
  return [d];
}

/**
 * Keys in `value` that `schema` does not know, each with its path and the known key it most likely
 * meant. Objects that accept any key (`.loose()`, records) are left alone.
 */
export function unknownKeys(schema: z.ZodType, value: unknown, path: (string | number)[] = []): ConfigIssue[] {
  const shapes = shapesOf(schema);
  const issues: ConfigIssue[] = [];
  if (Array.isArray(value)) {
    const elements = shapes.filter((d) => d.type === 'array' && d.element).map((d) => d.element!);
    if (elements.length === 1) value.forEach((v, i) => issues.push(...unknownKeys(elements[0]!, v, [...path, i])));
    return issues;
  }
  if (typeof value !== 'object' || value === null) return issues;
  const objects = shapes.filter((d) => d.type === 'object' && d.shape);
  const records = shapes.filter((d) => d.type === 'record' && d.valueType);
  if (records.length === 1 && objects.length === 0) {
    for (const [k, v] of Object.entries(value)) issues.push(...unknownKeys(records[0]!.valueType!, v, [...path, k]));
    return issues;
  }
  // A catchall other than never (loose / passthrough) accepts any key by design.
  if (objects.length === 0 || objects.some((d) => d.catchall && defOf(d.catchall).type !== 'never')) return issues;
  const known = new Map<string, z.ZodType>();
  for (const d of objects) for (const [k, s] of Object.entries(d.shape!)) if (!known.has(k)) known.set(k, s);
  for (const [k, v] of Object.entries(value)) {
    const s = known.get(k);
    if (s) {
      issues.push(...unknownKeys(s, v, [...path, k]));
      continue;
    }
    const near = nearestKey(k, [...known.keys()]);
    const said = near ? say(PHRASES, 'config.unknown-setting-near', { key: k, near }) : say(PHRASES, 'config.unknown-setting', { key: k });
    issues.push({ path: [...path, k].join('.'), ...said });
  }
  return issues;
}

/** Levenshtein distance (insert, delete, replace each cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The known key `key` most likely stands for: one that starts with it or it starts with
 * (`cooldown` → `cooldownSeconds`), else the closest by edit distance within a third of its length
 * (at least 2), ignoring case. Undefined when nothing is that close.
 */
export function nearestKey(key: string, known: string[]): string | undefined {
  const k = key.toLowerCase();
  let best: { name: string; score: number } | undefined;
  for (const name of known) {
    const n = name.toLowerCase();
    const score = k.length >= 3 && (n.startsWith(k) || k.startsWith(n)) ? 0.5 : editDistance(k, n);
    if (!best || score < best.score) best = { name, score };
  }
  return best && best.score <= Math.max(2, Math.floor(key.length / 3)) ? best.name : undefined;
}

type ZodIssue = z.ZodError['issues'][number];

/** A bound of a too_small / too_big issue as a phrase parameter. */
const bound = (v: unknown): number | string => (typeof v === 'number' ? v : String(v));

/**
 * The phrase for one of zod's issues: a plugin's own (a custom issue with `params.phrase`, see
 * docs/plugins.md), else one of the server's by zod's code and origin; undefined for what the book
 * does not know (the English message is then all there is).
 */
export function schemaPhrase(i: ZodIssue): Phrase | undefined {
  switch (i.code) {
    case 'custom': {
      const { phrase, ...params } = (i.params ?? {}) as Record<string, unknown>;
      if (typeof phrase !== 'string') return undefined;
      const data = Object.fromEntries(
        Object.entries(params).filter((e): e is [string, string | number] => typeof e[1] === 'string' || typeof e[1] === 'number'),
      );
      return { code: phrase, ...(Object.keys(data).length && { params: data }) };
    }
    case 'invalid_type': {
      const code = `schema.invalid_type.${i.expected}`;
      return code in PHRASES ? { code } : { code: 'schema.invalid_type', params: { expected: i.expected } };
    }
    case 'too_small': {
      if (i.origin === 'string' && Number(i.minimum) === 1) return { code: 'schema.required' };
      const kind = i.origin === 'string' || i.origin === 'array' ? i.origin : 'number';
      return { code: `schema.too_small.${kind}${kind === 'number' && i.inclusive === false ? '-exclusive' : ''}`, params: { minimum: bound(i.minimum) } };
    }
    case 'too_big': {
      const kind = i.origin === 'string' || i.origin === 'array' ? i.origin : 'number';
      return { code: `schema.too_big.${kind}${kind === 'number' && i.inclusive === false ? '-exclusive' : ''}`, params: { maximum: bound(i.maximum) } };
    }
    case 'invalid_value':
      return { code: 'schema.invalid_value', params: { values: i.values.map((v) => String(v)).join(', ') } };
    case 'invalid_format':
      return { code: 'schema.invalid_format', params: { format: i.format } };
    case 'not_multiple_of':
      return { code: 'schema.not_multiple_of', params: { divisor: bound(i.divisor) } };
    default:
      return { code: 'schema.invalid' };
  }
}

/** zod's issues as path strings; its own "unrecognized keys" are left to `unknownKeys` (which names the intended key). */
function schemaIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues
    .filter((i) => i.code !== 'unrecognized_keys')
    .map((i) => {
      const phrase = schemaPhrase(i);
      return { path: i.path.map(String).join('.'), message: i.message, ...(phrase && { phrase }) };
    });
}

/**
 * Check `input` as a config of `def` for the account of `bot` (omit `bot` where no account is at
 * hand: the account checks are then skipped). Returns the parsed config (defaults filled) or every
 * issue found.
 *
 * @example
 *   const r = checkConfig(def, body.config, bot);
 *   if (!r.ok) throw new ApiError(422, 'invalid', r.issues.map((i) => i.message).join('; '), r.issues);
 */
export function checkConfig<S extends z.ZodType>(def: PluginDefinition<S>, input: unknown, bot?: BotHandle): ConfigCheck<z.infer<S>> {
  const parsed = def.config.safeParse(input);
  const issues = [...unknownKeys(def.config, input), ...(parsed.success ? [] : schemaIssues(parsed.error))];
  if (issues.length || !parsed.success) return { ok: false, issues };
  const own = bot && def.check ? def.check(parsed.data, { bot }) : [];
  return own.length ? { ok: false, issues: own } : { ok: true, config: parsed.data };
}

/** One line for logs and error messages: `path: message; …`. */
export function describeIssues(issues: ConfigIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ` : '') + i.message).join('; ');
}
