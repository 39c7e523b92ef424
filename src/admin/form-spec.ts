/**
 * What a plugin's settings form is made of, in one language: per config key the label, help and
 * widget the plugin declared (PluginForm), with the limits, options and defaults of its JSON Schema.
 * A key the plugin gave no metadata keeps its raw name as label (`labelIsKey`) and gets the widget
 * its schema type implies; nothing is ever inferred from a key's name.
 */
import type { FieldMeta, ItemMeta, Localized, PluginForm, Widget } from '../pipeline/plugin-form.js';
import type { Locale } from './i18n.js';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  format?: string;
  writeOnly?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  default?: unknown;
  anyOf?: JsonSchema[];
}

export interface FieldSpec {
  key: string;
  widget: Widget;
  label: string;
  /** No label was declared: `label` is the raw key. */
  labelIsKey: boolean;
  help?: string;
  placeholder?: string;
  required: boolean;
  /** Numbers (and checkbox/select values) are integers, or any number. */
  numeric?: 'integer' | 'number';
  min?: number;
  max?: number;
  unit?: 'seconds' | 'minutes';
  options?: { value: string; label: string }[];
  default?: unknown;
  /** The English default text and this language's own (prompts, greetings). */
  translatedDefault?: { en: string; text: string };
  /** For `list`: one item's fields and how items are named. */
  item?: ItemSpec;
}

export interface ItemSpec {
  noun: string;
  summary: readonly string[];
  toggle?: string;
  blank: Record<string, unknown>;
  fields: FieldSpec[];
}

/** Plugin metadata is keyed by language (`en`, `zh`), the panel by locale. */
export function localize(text: Localized | undefined, locale: Locale): string | undefined {
  if (!text) return undefined;
  return (locale === 'zh-CN' ? text.zh : undefined) ?? text.en;
}

const MAX_SAFE = 9007199254740991;

/** Unwrap `anyOf: [X, {type: 'null'}]` (optional / nullable) to X. */
function base(s: JsonSchema): JsonSchema {
  if (s.anyOf) {
    const real = s.anyOf.filter((x) => x.type !== 'null');
    if (real.length === 1) return { ...real[0]!, default: s.default ?? real[0]!.default };
  }
  return s;
}

const typeOf = (s: JsonSchema): string | undefined => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);

/** The widget a schema type implies, for keys the plugin gave no metadata. */
function impliedWidget(s: JsonSchema): Widget {
  const type = typeOf(s);
  if (type === 'string') return s.enum ? 'select' : s.format === 'password' || s.writeOnly ? 'secret' : 'text';
  if (type === 'number' || type === 'integer') return 'number';
  if (type === 'boolean') return 'switch';
  if (type === 'array') {
    const items = base(s.items ?? {});
    if (items.enum) return 'checkboxes';
    if (typeOf(items) === 'string') return 'lines';
    if (typeOf(items) === 'object') return 'list';
  }
  return 'json';
}

function specOf(key: string, raw: JsonSchema, meta: FieldMeta | undefined, required: boolean, locale: Locale): FieldSpec {
  const s = base(raw);
  const widget = meta?.widget ?? impliedWidget(s);
  const items = base(s.items ?? {});
  const valueSchema = widget === 'checkboxes' ? items : s;
  const spec: FieldSpec = {
    key,
    widget,
    label: localize(meta?.label, locale) ?? key,
    labelIsKey: !meta?.label,
    required: required && s.default === undefined,
  };
  const help = localize(meta?.help, locale);
  if (help) spec.help = help;
  const placeholder = localize(meta?.placeholder, locale);
  if (placeholder) spec.placeholder = placeholder;
  const vt = typeOf(valueSchema);
  if (vt === 'integer' || vt === 'number') spec.numeric = vt;
  if (s.minimum !== undefined) spec.min = s.minimum;
  else if (s.exclusiveMinimum !== undefined && vt === 'integer') spec.min = s.exclusiveMinimum + 1;
  if (s.maximum !== undefined && s.maximum < MAX_SAFE) spec.max = s.maximum;
  if (meta?.unit) spec.unit = meta.unit;
  if (s.default !== undefined) spec.default = s.default;
  if (meta?.translatedDefault) {
    const text = locale === 'zh-CN' ? meta.translatedDefault.zh : meta.translatedDefault.en;
    spec.translatedDefault = { en: meta.translatedDefault.en, text };
  }
  if (widget === 'select' || widget === 'checkboxes') {
    const values = (valueSchema.enum ?? Object.keys(meta?.options ?? {})).map(String);
    spec.options = values.map((v) => ({ value: v, label: localize(meta?.options?.[v], locale) ?? v }));
  }
  if (widget === 'list') spec.item = itemSpec(items, meta?.item, locale);
  return spec;
}

function itemSpec(schema: JsonSchema, meta: ItemMeta | undefined, locale: Locale): ItemSpec {
  const spec: ItemSpec = {
    noun: localize(meta?.noun, locale) ?? '#',
    summary: meta?.summary ?? [],
    blank: meta?.blank ?? {},
    fields: fieldSpecs(schema, meta?.fields ?? {}, locale),
  };
  if (meta?.toggle) spec.toggle = meta.toggle;
  return spec;
}

function fieldSpecs(schema: JsonSchema, meta: Record<string, FieldMeta | undefined>, locale: Locale): FieldSpec[] {
  const root = base(schema);
  const required = new Set(root.required ?? []);
  return Object.entries(root.properties ?? {}).map(([key, s]) => specOf(key, s, meta[key], required.has(key), locale));
}

/**
 * The fields of a plugin's settings form in one language.
 *
 * @example
 *   const specs = formSpecs(registry.jsonSchema('ai'), registry.form('ai'), 'zh-CN');
 */
export function formSpecs(schema: unknown, form: PluginForm | undefined, locale: Locale): FieldSpec[] {
  return fieldSpecs((schema ?? {}) as JsonSchema, (form?.fields ?? {}) as Record<string, FieldMeta | undefined>, locale);
}
