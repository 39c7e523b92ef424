/**
 * The original's parameter checks (`getUnValidParamsList`), with its reason texts: a required
 * value that is '' is "不能为空", a wrong type names the expected ones capitalised and joined with
 * " or ", an enum names its values. Types are compared as Object.prototype.toString does, so an
 * array is not an "object" and null is neither.
 */
import { REASON_SEPARATOR } from './answers.js';

type Kind = 'string' | 'object' | 'array' | 'boolean';

export interface Rule {
  key: string;
  value: unknown;
  required: boolean;
  types: Kind[];
  enum?: string[];
}

const kindOf = (v: unknown): string => Object.prototype.toString.call(v).slice(8, -1).toLowerCase();
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function reason(r: Rule): string {
  // An optional value with an enum is judged by the enum alone; one without, by its type when given.
  const typed = r.required || (r.value !== undefined && !r.enum);
  if (typed) {
    if (r.required && r.value === '') return `${r.key} 不能为空`;
    if (!r.types.includes(kindOf(r.value) as Kind)) return `${r.key} 的参数类型不是 ${r.types.map(cap).join(' or ')}`;
  }
  if (r.enum && !r.enum.includes(r.value as string)) return `${r.key} 必须是 ${r.enum.join(' or ')}`;
  return '';
}

/** The reasons the rules fail for, joined as the original joins them ('' when all pass). */
export function reasons(rules: Rule[]): string {
  return rules.map(reason).filter(Boolean).join(REASON_SEPARATOR);
}

/** `{to, isRoom, data}` of a v2 send. */
export function recipientReasons(to: unknown, isRoom: unknown, data: unknown): string {
  return reasons([
    { key: 'to', value: to, required: true, types: ['string', 'object'] },
    { key: 'isRoom', value: isRoom, required: false, types: ['boolean'] },
    { key: 'data', value: data, required: true, types: ['object', 'array'] },
  ]);
}

/** One `{type, content}` item (type defaults to text). */
export function itemReasons(item: unknown): string {
  const o = kindOf(item) === 'object' ? (item as Record<string, unknown>) : {};
  return reasons([
    { key: 'type', value: o.type ?? 'text', required: false, types: ['string'], enum: ['text', 'fileUrl'] },
    { key: 'content', value: o.content, required: true, types: ['string'] },
  ]);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return kindOf(v) === 'object';
}
