/**
 * How the phone would show the items of a bot send (ilink.md §5.2, §7.4, §9.22, §9.39): each item
 * type with its payload, and for media whether the reference, key and sizes match what was
 * uploaded (a mismatch shows as a grey box on a real phone).
 */
import { decodeAesKey } from './aes.js';
import { mediaLink } from './inbound.js';
import type { ItemKind, ItemView } from './model.js';
import type { IlinkState } from './state.js';
import { str, type Json } from './wire.js';

const KIND: Record<number, { kind: ItemKind; payload: string }> = {
  1: { kind: 'text', payload: 'text_item' },
  2: { kind: 'image', payload: 'image_item' },
  3: { kind: 'voice', payload: 'voice_item' },
  4: { kind: 'file', payload: 'file_item' },
  5: { kind: 'video', payload: 'video_item' },
  11: { kind: 'tool-call-start', payload: 'tool_call_start_item' },
  12: { kind: 'tool-call-result', payload: 'tool_call_result_item' },
};

export interface CheckedItem {
  view: ItemView;
  /** Why the request is invalid (→ ret -3), when it is. */
  invalid?: string;
}

function obj(v: unknown): Json | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

/** Check one item of a send and describe it. */
export function checkItem(st: IlinkState, raw: unknown): CheckedItem {
  const item = obj(raw);
  const def = item && typeof item.type === 'number' ? KIND[item.type] : undefined;
  if (!item || !def) return { view: { type: 'unknown' }, invalid: `unknown item type ${String(item?.type)}` };
  const payload = obj(item[def.payload]);
  if (!payload) return { view: { type: def.kind }, invalid: `item type ${String(item.type)} without ${def.payload}` };
  if (def.kind === 'text') {
    const text = str(payload.text);
    if (text === undefined || text === '') return { view: { type: 'text' }, invalid: 'empty text' };
    return { view: { type: 'text', text } };
  }
  if (def.kind === 'tool-call-start' || def.kind === 'tool-call-result') return { view: { type: def.kind, text: str(payload.tool_name) ?? '' } };
  const media = obj(payload.media);
  const param = str(media?.encrypt_query_param);
  if (!media || !param) return { view: { type: def.kind }, invalid: `${def.payload}.media.encrypt_query_param missing` };
  const stored = st.cdn.get(param);
  if (!stored) return { view: { type: def.kind }, invalid: 'encrypt_query_param was not issued by the CDN' };
  const fileName = str(payload.file_name);
  const view: ItemView = { type: def.kind, size: stored.rawsize, media: mediaLink(param), ...(fileName ? { fileName } : {}) };
  const problems: string[] = [];
  const key = str(media.aes_key);
  const decoded = key ? decodeAesKey(key) : undefined;
  if (!decoded) problems.push('no usable aes_key');
  else {
    if (decoded.form === 'A' && st.opts.formA === 'grey-box') problems.push('aes_key in form A (raw bytes); outbound needs form B');
    if (stored.key && !decoded.key.equals(stored.key)) problems.push('aes_key does not match the uploaded key');
  }
  const cipherLen = stored.cipher.length;
  if (def.kind === 'image' && payload.mid_size !== undefined && Number(payload.mid_size) !== cipherLen)
    problems.push(`mid_size ${String(payload.mid_size)} ≠ ciphertext ${cipherLen}`);
  if (def.kind === 'video' && payload.video_size !== undefined && Number(payload.video_size) !== cipherLen)
    problems.push(`video_size ${String(payload.video_size)} ≠ ciphertext ${cipherLen}`);
  if (def.kind === 'file' && payload.len !== undefined && String(payload.len) !== String(stored.rawsize))
    problems.push(`len ${String(payload.len)} ≠ plaintext ${stored.rawsize}`);
  if (def.kind === 'voice' && str(payload.text)) view.text = str(payload.text) as string;
  if (problems.length) view.problem = problems.join('; ');
  return { view };
}
