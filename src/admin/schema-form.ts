/**
 * A plugin's settings form drawn from its field specs (form-spec.ts) and a config, and the way back
 * from submitted fields to a config. Inputs are named `f:<path>` with `/` between the parts
 * (`f:rules/0/pattern`: the form parser would turn dots into nested objects); a list posts its item
 * count as `n:<path>`, so items come back in the order and number the page showed.
 * Validation stays with the plugin's schema; this only shapes values.
 */
import type { FieldSpec, ItemSpec } from './form-spec.js';
import type { Said, Say } from './phrases.js';
import { parseJson, type JsonProblem } from './json-problem.js';
import { phraseOf, type Phrase } from '../util/phrase.js';

export interface FormField extends FieldSpec {
  /** Dotted path in the config (`rules.0.pattern`). */
  path: string;
  /** The element id (`f-rules-0-pattern`). */
  id: string;
  /** The path in input names (`rules/0/pattern`). */
  name: string;
  /** The value to show (never for secrets: only whether one is set). */
  value: string;
  checked?: boolean;
  selected?: string[];
  secretSet?: boolean;
  items?: FormItem[];
}

export interface FormItem {
  path: string;
  id: string;
  index: number;
  /** "Rule 2", and what names it ("hi → hello"). */
  title: string;
  summary: string;
  toggle?: FormField;
  fields: FormField[];
}

export const idOf = (path: string): string => 'f-' + path.replace(/\./g, '-');
/** A path as it appears in input names. */
export const nameOf = (path: string): string => path.replace(/\./g, '/');

const textOf = (v: unknown): string => (v === undefined || v === null ? '' : Array.isArray(v) ? v.map(String).join(', ') : String(v));

function drawField(spec: FieldSpec, value: unknown, path: string): FormField {
  const v = value === undefined ? spec.default : value;
  const f: FormField = { ...spec, path, id: idOf(path), name: nameOf(path), value: '' };
  switch (spec.widget) {
    case 'switch':
      f.checked = v === true;
      break;
    case 'checkboxes':
      f.selected = Array.isArray(v) ? v.map(String) : [];
      break;
    case 'secret':
      f.secretSet = typeof v === 'string' && v.length > 0;
      break;
    case 'lines':
    case 'chats':
      f.value = Array.isArray(v) ? v.map(String).join('\n') : textOf(v);
      break;
    case 'list':
      f.items = (Array.isArray(v) ? v : []).map((item, i) => drawItem(spec.item!, item, `${path}.${i}`, i));
      break;
    case 'json':
      f.value = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v, null, 2);
      break;
    default:
      f.value = spec.translatedDefault && v === spec.translatedDefault.en ? spec.translatedDefault.text : textOf(v);
  }
  return f;
}

function drawItem(spec: ItemSpec, value: unknown, path: string, index: number): FormItem {
  const obj = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const all = spec.fields.map((s) => drawField(s, obj[s.key], `${path}.${s.key}`));
  const named = spec.summary.map((k) => textOf(obj[k]).trim()).find(Boolean) ?? '';
  const item: FormItem = {
    path,
    id: idOf(path),
    index,
    title: `${spec.noun} ${index + 1}`,
    summary: named.length > 60 ? named.slice(0, 59) + '…' : named,
    fields: all.filter((f) => f.key !== spec.toggle),
  };
  const toggle = all.find((f) => f.key === spec.toggle);
  if (toggle) item.toggle = toggle;
  return item;
}

/**
 * The form fields filled from a config (defaults where it has none).
 *
 * @example
 *   const fields = formFields(formSpecs(schema, form, 'en'), plugin.config);
 */
export function formFields(specs: FieldSpec[], config: unknown): FormField[] {
  const cfg = (config && typeof config === 'object' ? config : {}) as Record<string, unknown>;
  return specs.map((s) => drawField(s, cfg[s.key], s.key));
}

/** Every drawn path (fields and list items), deepest structure included. */
export function drawnPaths(fields: FormField[]): Set<string> {
  const out = new Set<string>();
  const walk = (fs: FormField[]): void => {
    for (const f of fs) {
      out.add(f.path);
      for (const item of f.items ?? []) {
        out.add(item.path);
        walk(item.toggle ? [item.toggle, ...item.fields] : item.fields);
      }
    }
  };
  walk(fields);
  return out;
}

type Form = Record<string, unknown>;

const firstOf = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
const allOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
const splitLines = (raw: string): string[] =>
  raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** A value that cannot even be shaped: a catalog key ('form.notNumber'), or where its JSON goes wrong. */
export type FieldProblem = string | JsonProblem;

interface Reading {
  form: Form;
  problems: Record<string, FieldProblem>;
}

/** The value of one field as submitted; `undefined` = leave the key out (an empty optional number). */
function readField(spec: FieldSpec, path: string, current: unknown, r: Reading): unknown {
  const posted = r.form[`f:${nameOf(path)}`];
  const raw = firstOf(posted);
  switch (spec.widget) {
    case 'switch':
      return posted !== undefined;
    case 'number':
    case 'duration':
      if (raw.trim() === '') return undefined;
      if (!Number.isFinite(Number(raw))) {
        r.problems[path] = 'form.notNumber';
        return raw;
      }
      return Number(raw);
    case 'select':
      return spec.numeric ? Number(raw) : raw;
    case 'checkboxes':
      return allOf(posted).map((v) => (spec.numeric ? Number(v) : v));
    case 'lines':
    case 'chats':
      return splitLines(raw);
    case 'secret':
      if (r.form[`clear:${nameOf(path)}`] !== undefined) return '';
      return raw !== '' ? raw : current;
    case 'json': {
      if (raw.trim() === '') return undefined;
      const parsed = parseJson(raw);
      if ('value' in parsed) return parsed.value;
      r.problems[path] = parsed.problem;
      return raw;
    }
    case 'list': {
      const count = Number(firstOf(r.form[`n:${nameOf(path)}`]));
      if (!Number.isInteger(count) || count < 0) return current;
      const was = Array.isArray(current) ? current : [];
      return Array.from({ length: count }, (_, i) => readObject(spec.item!.fields, `${path}.${i}`, was[i], r));
    }
    default:
      return raw;
  }
}

function readObject(specs: FieldSpec[], prefix: string, current: unknown, r: Reading, seen?: Set<string>): Record<string, unknown> {
  const cur = (current && typeof current === 'object' && !Array.isArray(current) ? current : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...cur };
  for (const s of specs) {
    if (seen && !seen.has(s.key)) continue;
    const v = readField(s, prefix ? `${prefix}.${s.key}` : s.key, cur[s.key], r);
    if (v === undefined) delete out[s.key];
    else out[s.key] = v;
  }
  return out;
}

/**
 * Turn submitted fields back into a config: the current config with each drawn field replaced.
 * An empty secret keeps the stored one (secrets are never sent to the browser); `clear:<path>`
 * empties it (paths as in input names). Top-level keys not listed in `seen` keep their value (a partial form). Returns
 * per-path problems for values that cannot even be shaped (bad JSON, not a number); the typed text
 * stays in the config so that the form can show it again.
 */
export function configFromForm(specs: FieldSpec[], form: Form, current: unknown): { config: Record<string, unknown>; problems: Record<string, FieldProblem> } {
  const seenRaw = form.seen;
  const seen = seenRaw === undefined ? undefined : new Set(allOf(seenRaw));
  const r: Reading = { form, problems: {} };
  return { config: readObject(specs, '', current, r, seen), problems: r.problems };
}

/** A settings problem as the panel receives it (ConfigIssue: English message, maybe a phrase). */
export interface FormIssue {
  path: string;
  message: string;
  phrase?: Phrase;
}

/** Issues from a plugin's ValidationError, if the error carries them. */
export function issuesOf(e: unknown): FormIssue[] | undefined {
  const issues = (e as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return undefined;
  return issues.map((i: { path?: unknown; message?: unknown; phrase?: unknown }) => {
    const phrase = phraseOf(i);
    return {
      path: Array.isArray(i.path) ? i.path.map(String).join('.') : String(i.path ?? ''),
      message: String(i.message ?? ''),
      ...(phrase && { phrase }),
    };
  });
}

/**
 * Put each issue beside the deepest drawn field or item its path starts with (`jobs.0.to.0` goes
 * to the field `jobs.0.to`); the rest are shown above the form. Each is said in the page's language
 * (`say`, with the plugin's phrase book); the part of a path below the field is shown as data.
 */
export function placeIssues(issues: FormIssue[], drawn: Set<string>, say: Say, plugin?: string): { byPath: Record<string, Said>; other: Said[] } {
  const byPath: Record<string, Said> = {};
  const other: Said[] = [];
  for (const i of issues) {
    const said = say(i.message, i.phrase, plugin);
    const parts = i.path ? i.path.split('.') : [];
    let n = parts.length;
    while (n > 0 && !drawn.has(parts.slice(0, n).join('.'))) n--;
    if (n === 0) {
      other.push(i.path ? [{ text: i.path, datum: true }, { text: ': ' }, ...said] : said);
      continue;
    }
    const at = parts.slice(0, n).join('.');
    const rest = parts.slice(n).join('.');
    const text: Said = rest && !/^\d+$/.test(rest) ? [{ text: rest, datum: true }, { text: ': ' }, ...said] : said;
    byPath[at] = byPath[at] ? [...byPath[at], { text: '; ' }, ...text] : text;
  }
  return { byPath, other };
}
