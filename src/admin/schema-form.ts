/**
 * A settings form drawn from a plugin's JSON Schema (zod → z.toJSONSchema), and the way back from
 * submitted form fields to a config object. Field kinds: string, text (long strings), number,
 * boolean, select (enum), multi (array of enum), secret, list (array of strings, one per line) and
 * json (arrays of objects and anything else structured, edited as JSON). Validation stays with the
 * plugin's zod schema; this only shapes values.
 */

export type FieldKind = 'string' | 'text' | 'number' | 'integer' | 'boolean' | 'select' | 'multi' | 'secret' | 'list' | 'json';

export interface FormField {
  name: string;
  kind: FieldKind;
  description?: string;
  options?: string[];
  required: boolean;
  min?: number;
  max?: number;
  /** The value to show (never for secrets: only whether one is set). */
  value: string;
  checked?: boolean;
  selected?: string[];
  secretSet?: boolean;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  format?: string;
  writeOnly?: boolean;
  description?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  anyOf?: JsonSchema[];
}

const SECRET_NAME = /(key|secret|token|password|passwd)$/i;
const LONG_NAME = /(prompt|template|reply|text|message|body|greeting)$/i;
const MAX_SAFE = 9007199254740991;

/** Unwrap `anyOf: [X, {type: 'null'}]` (optional / nullable) to X. */
function base(s: JsonSchema): JsonSchema {
  if (s.anyOf) {
    const real = s.anyOf.filter((x) => x.type !== 'null');
    if (real.length === 1) return { ...real[0]!, description: s.description ?? real[0]!.description, default: s.default ?? real[0]!.default };
  }
  return s;
}

function kindOf(name: string, s: JsonSchema): FieldKind {
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type === 'string') {
    if (s.enum) return 'select';
    if (s.format === 'password' || s.writeOnly || SECRET_NAME.test(name) || /\[secret\]/i.test(s.description ?? '')) return 'secret';
    if ((s.maxLength ?? 0) > 200 || LONG_NAME.test(name)) return 'text';
    return 'string';
  }
  if (type === 'number') return 'number';
  if (type === 'integer') return 'integer';
  if (type === 'boolean') return 'boolean';
  if (type === 'array') {
    const items = base(s.items ?? {});
    if (items.type === 'string' && items.enum) return 'multi';
    if (items.type === 'string') return 'list';
  }
  return 'json';
}

/**
 * The form fields of an object schema, filled from the current config.
 *
 * @example
 *   const fields = formFields(registry.jsonSchema('ai'), host.list().find((p) => p.name === 'ai')!.config);
 */
export function formFields(schema: unknown, config: unknown, skip: string[] = []): FormField[] {
  const root = base((schema ?? {}) as JsonSchema);
  const cfg = (config && typeof config === 'object' ? config : {}) as Record<string, unknown>;
  const required = new Set(root.required ?? []);
  return Object.entries(root.properties ?? {})
    .filter(([name]) => !skip.includes(name))
    .map(([name, raw]) => {
      const s = base(raw);
      const kind = kindOf(name, s);
      const v = cfg[name] ?? s.default;
      const f: FormField = {
        name,
        kind,
        required: required.has(name) && s.default === undefined,
        value: '',
        ...(s.description && { description: s.description }),
      };
      if (s.minimum !== undefined) f.min = s.minimum;
      if (s.maximum !== undefined && s.maximum < MAX_SAFE) f.max = s.maximum;
      switch (kind) {
        case 'select':
          f.options = (s.enum ?? []).map(String);
          f.value = v === undefined ? '' : String(v);
          break;
        case 'multi':
          f.options = (base(s.items ?? {}).enum ?? []).map(String);
          f.selected = Array.isArray(v) ? v.map(String) : [];
          break;
        case 'boolean':
          f.checked = v === true;
          break;
        case 'secret':
          f.secretSet = typeof v === 'string' && v.length > 0;
          break;
        case 'list':
          f.value = Array.isArray(v) ? v.map(String).join('\n') : '';
          break;
        case 'json':
          f.value = v === undefined ? '' : JSON.stringify(v, null, 2);
          break;
        default:
          f.value = v === undefined || v === null ? '' : String(v);
      }
      return f;
    });
}

/**
 * Turn submitted fields back into a config: the current config with each form field replaced.
 * An empty secret keeps the stored one (secrets are never sent to the browser); `clear:<name>`
 * empties it. Returns per-field problems for values that cannot even be shaped (bad JSON, not a number).
 */
export function configFromForm(
  fields: FormField[],
  form: Record<string, unknown>,
  current: unknown,
): { config: Record<string, unknown>; problems: Record<string, string> } {
  const str = (name: string): string => {
    const v = form[`f:${name}`];
    return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
  };
  const all = (name: string): string[] => {
    const v = form[`f:${name}`];
    return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
  };
  const config: Record<string, unknown> = { ...((current && typeof current === 'object' ? current : {}) as Record<string, unknown>) };
  const problems: Record<string, string> = {};
  // The form lists the fields it drew (`seen`): others keep their value (unchecked boxes send nothing).
  const seenRaw = form.seen;
  const seen = seenRaw === undefined ? undefined : new Set(Array.isArray(seenRaw) ? seenRaw.map(String) : [String(seenRaw)]);
  for (const f of fields) {
    if (seen && !seen.has(f.name)) continue;
    const raw = str(f.name);
    switch (f.kind) {
      case 'boolean':
        config[f.name] = form[`f:${f.name}`] !== undefined;
        break;
      case 'number':
      case 'integer':
        if (raw.trim() === '') delete config[f.name];
        else if (!Number.isFinite(Number(raw))) problems[f.name] = 'form.notNumber';
        else config[f.name] = Number(raw);
        break;
      case 'multi':
        config[f.name] = all(f.name);
        break;
      case 'list':
        config[f.name] = raw
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter(Boolean);
        break;
      case 'secret':
        if (form[`clear:${f.name}`] !== undefined) config[f.name] = '';
        else if (raw !== '') config[f.name] = raw;
        break;
      case 'json':
        if (raw.trim() === '') delete config[f.name];
        else {
          try {
            config[f.name] = JSON.parse(raw) as unknown;
          } catch (e) {
            problems[f.name] = `form.badJson:${(e as Error).message}`;
          }
        }
        break;
      default:
        config[f.name] = raw;
    }
  }
  return { config, problems };
}

/** Issues from a plugin's ValidationError, if the error carries them. */
export function issuesOf(e: unknown): { path: string; message: string }[] | undefined {
  const issues = (e as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return undefined;
  return issues.map((i: { path?: unknown; message?: unknown }) => ({
    path: Array.isArray(i.path) ? i.path.map(String).join('.') : String(i.path ?? ''),
    message: String(i.message ?? ''),
  }));
}
