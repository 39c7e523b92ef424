/**
 * The list editor's buttons, which work without JavaScript: each posts the whole form with
 * `op=<verb>:<path>` and the server answers with the form changed but not saved yet. Verbs: `add`
 * an item to the list at path, `remove`, `up` and `down` the item at path, `pick` a chat (from the
 * `pick:<path>` box, path in input-name form) into the chat list at path.
 */
import type { FieldSpec } from './form-spec.js';
import { nameOf } from './schema-form.js';

export interface FormOp {
  verb: 'add' | 'remove' | 'up' | 'down' | 'pick';
  path: string;
}

/** Parse `op` as posted; undefined when there is none (a plain Save) or it makes no sense. */
export function parseOp(raw: unknown): FormOp | undefined {
  const m = typeof raw === 'string' ? /^(add|remove|up|down|pick):([\w.-]+)$/.exec(raw) : null;
  return m ? { verb: m[1] as FormOp['verb'], path: m[2]! } : undefined;
}

/** The spec of the field at a dotted path (list indexes skipped), or undefined. */
function specAt(specs: FieldSpec[], path: string): FieldSpec | undefined {
  let list = specs;
  let found: FieldSpec | undefined;
  for (const part of path.split('.')) {
    if (/^\d+$/.test(part)) {
      if (!found?.item) return undefined;
      list = found.item.fields;
      continue;
    }
    found = list.find((s) => s.key === part);
    if (!found) return undefined;
  }
  return found;
}

/** The array at a dotted path in `root`, created when missing (the parent must exist). */
function arrayAt(root: Record<string, unknown>, path: string): unknown[] | undefined {
  const parts = path.split('.');
  let node: unknown = root;
  for (const part of parts.slice(0, -1)) {
    node = (node as Record<string, unknown> | unknown[] | undefined)?.[part as never];
    if (!node || typeof node !== 'object') return undefined;
  }
  const holder = node as Record<string, unknown>;
  const last = parts[parts.length - 1]!;
  if (!Array.isArray(holder[last])) holder[last] = [];
  return holder[last] as unknown[];
}

/**
 * Apply a list operation to `config` (changed in place) and return the path to show afterwards
 * (the new or moved item), or undefined when the op does not fit the form.
 *
 * @example
 *   applyOp(specs, config, { verb: 'add', path: 'rules' }, form); // 'rules.3'
 */
export function applyOp(specs: FieldSpec[], config: Record<string, unknown>, op: FormOp, form: Record<string, unknown>): string | undefined {
  if (op.verb === 'add' || op.verb === 'pick') {
    const spec = specAt(specs, op.path);
    const list = arrayAt(config, op.path);
    if (!spec || !list) return undefined;
    if (op.verb === 'add' && spec.widget === 'list' && spec.item) {
      list.push(structuredClone(spec.item.blank));
      return `${op.path}.${list.length - 1}`;
    }
    const picked = String(form[`pick:${nameOf(op.path)}`] ?? '').trim();
    if (op.verb === 'pick' && spec.widget === 'chats' && picked) {
      if (!list.includes(picked)) list.push(picked);
      return op.path;
    }
    return undefined;
  }
  const at = op.path.lastIndexOf('.');
  const index = Number(op.path.slice(at + 1));
  const listPath = op.path.slice(0, at);
  const list = at > 0 && Number.isInteger(index) && specAt(specs, listPath)?.widget === 'list' ? arrayAt(config, listPath) : undefined;
  if (!list || index < 0 || index >= list.length) return undefined;
  if (op.verb === 'remove') {
    list.splice(index, 1);
    return listPath;
  }
  const to = op.verb === 'up' ? index - 1 : index + 1;
  if (to < 0 || to >= list.length) return op.path;
  [list[index], list[to]] = [list[to], list[index]];
  return `${listPath}.${to}`;
}
