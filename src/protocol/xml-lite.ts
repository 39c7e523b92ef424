/**
 * Tiny, lenient readers for the small XML payloads inside messages (§10.5: "never trust Content to
 * be well-formed XML"). They scan with indexOf on strings of a few KB, so they cost less than a
 * full XML parse per message. The newloginpage XML goes through xml2js instead (login.ts).
 */
import { unescapeEntities } from './text.js';

function stripCdata(s: string): string {
  const t = s.trim();
  if (t.startsWith('<![CDATA[') && t.endsWith(']]>')) return t.slice(9, -3);
  return s;
}

/**
 * Text of the first `<name>…</name>` element (CDATA unwrapped, entities decoded), or undefined.
 *
 * @example xmlText('<a><title>Hi</title></a>', 'title') // 'Hi'
 */
export function xmlText(xml: string, name: string, from = 0): string | undefined {
  const open = `<${name}`;
  let i = xml.indexOf(open, from);
  while (i !== -1) {
    const next = xml.charCodeAt(i + open.length);
    // Accept `<name>` and `<name attr…>`, not `<namespace>`.
    if (next === 62 /* > */ || next === 32 || next === 47 /* / */ || next === 9 || next === 10) break;
    i = xml.indexOf(open, i + open.length);
  }
  if (i === -1) return undefined;
  const gt = xml.indexOf('>', i);
  if (gt === -1) return undefined;
  if (xml.charCodeAt(gt - 1) === 47 /* self-closing */) return '';
  const close = xml.indexOf(`</${name}>`, gt + 1);
  if (close === -1) return undefined;
  return unescapeEntities(stripCdata(xml.slice(gt + 1, close)));
}

/** Position just after the opening tag `<name …>` (for scoping later lookups), or -1. */
export function xmlIndexOf(xml: string, name: string, from = 0): number {
  const i = xml.indexOf(`<${name}`, from);
  return i === -1 ? -1 : i;
}

/**
 * Value of attribute `attr` on the first `<tag …>` element (either quote style, entities decoded).
 *
 * @example xmlAttr('<emoji md5="ab" len="3"/>', 'emoji', 'md5') // 'ab'
 */
export function xmlAttr(xml: string, tag: string, attr: string): string | undefined {
  const start = xml.indexOf(`<${tag}`);
  if (start === -1) return undefined;
  const end = xml.indexOf('>', start);
  const head = end === -1 ? xml.slice(start) : xml.slice(start, end);
  const re = new RegExp(`\\s${attr}\\s*=\\s*("([^"]*)"|'([^']*)')`);
  const m = re.exec(head);
  if (!m) return undefined;
  return unescapeEntities(m[2] ?? m[3] ?? '');
}

/** Every `<name>…</name>` text in order (small payloads only). */
export function xmlTexts(xml: string, name: string): string[] {
  const out: string[] = [];
  const close = `</${name}>`;
  let from = 0;
  for (;;) {
    const i = xml.indexOf(`<${name}>`, from);
    if (i === -1) break;
    const j = xml.indexOf(close, i);
    if (j === -1) break;
    out.push(unescapeEntities(stripCdata(xml.slice(i + name.length + 2, j))));
    from = j + close.length;
  }
  return out;
}
