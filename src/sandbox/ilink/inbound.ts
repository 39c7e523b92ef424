/**
 * The owner writes to the bot (ilink.md §5, §9.19, §9.40–41, §9.44): builds the wire message for
 * text, a quote, image, file, voice (SILK, optional transcript), video or a sticker, puts its media
 * encrypted on the fake CDN, opens the reply window and resets the quota.
 */
import { randHex } from '../ids.js';
import { SAMPLE_PNG } from '../media.js';
import { SandboxError } from '../state.js';
import { encryptEcb, formA, formB, md5Hex } from './aes.js';
import { newCdnParam, newOpaque } from './ids.js';
import type { Bot, ItemView, WireMessage } from './model.js';
import type { IlinkState } from './state.js';
import { enqueue } from './updates.js';

export type InboundKind = 'text' | 'image' | 'file' | 'voice' | 'video' | 'sticker';

export interface InboundInput {
  user?: string;
  type?: InboundKind;
  text?: string;
  /** A quoted message (`ref_msg`). */
  quote?: { title?: string; text?: string };
  /** Base64 bytes: `image`, `file`, `voice`, `video` or `data` with `type`. */
  image?: string;
  file?: string;
  voice?: string;
  video?: string;
  data?: string;
  fileName?: string;
  /** WeChat's own speech-to-text of a voice message. */
  transcript?: string;
  playtime?: number;
}

const KINDS: readonly InboundKind[] = ['text', 'image', 'file', 'voice', 'video', 'sticker'];

/** A SILK stream as WeChat stores it (0x02 + `#!SILK_V3`, length-prefixed frames, 0xffff end). */
export function silkFixture(frames: number): Buffer {
  const parts: Buffer[] = [Buffer.from('\x02#!SILK_V3', 'latin1')];
  for (let i = 0; i < frames; i++) {
    const frame = Buffer.alloc(24 + (i % 7), i & 0xff);
    const len = Buffer.alloc(2);
    len.writeUInt16LE(frame.length);
    parts.push(len, frame);
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

/** A tiny ISO-BMFF header, enough to look like an MP4 file. */
const SAMPLE_MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42\0\0\0\0mp42isom', 'latin1'), Buffer.alloc(64, 7)]);

function kindOf(m: InboundInput): InboundKind {
  if (m.type !== undefined) {
    if (!KINDS.includes(m.type)) throw new SandboxError(400, `type must be one of ${KINDS.join(', ')}`);
    return m.type;
  }
  for (const k of ['image', 'file', 'voice', 'video'] as const) if (m[k] !== undefined) return k;
  if (typeof m.text === 'string' && m.text !== '') return 'text';
  throw new SandboxError(400, 'give text, or image / file / voice / video (base64), or type');
}

function bytesOf(m: InboundInput, kind: InboundKind): Buffer {
  const b64 = (kind === 'image' || kind === 'file' || kind === 'voice' || kind === 'video' ? m[kind] : undefined) ?? m.data;
  if (b64 === undefined) {
    if (kind === 'image') return SAMPLE_PNG;
    if (kind === 'voice') return silkFixture(Math.max(1, Math.round((m.playtime ?? 2000) / 20)));
    if (kind === 'video') return SAMPLE_MP4;
    throw new SandboxError(400, `${kind} needs its bytes as base64`);
  }
  if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(b64)) throw new SandboxError(400, `${kind} must be base64`);
  return Buffer.from(b64, 'base64');
}

const MIME: Record<string, string> = { image: 'image/png', voice: 'audio/silk', video: 'video/mp4', file: 'application/octet-stream' };

/** Encrypt `plain` onto the CDN; the CDNMedia with the key in the form this kind uses (§7.1). */
function putMedia(
  st: IlinkState,
  kind: InboundKind,
  plain: Buffer,
  fileName?: string,
): { media: Record<string, unknown>; key?: Buffer; cipherLen: number; param: string } {
  const param = newCdnParam(st.rand);
  const plainImage = kind === 'image' && st.opts.plainImages === 'on';
  const key = plainImage ? undefined : Buffer.from(randHex(st.rand, 32), 'hex');
  const cipher = key ? encryptEcb(plain, key) : plain;
  st.cdn.put({
    param,
    cipher,
    ...(key ? { key } : {}),
    rawsize: plain.length,
    mime: MIME[kind] ?? 'application/octet-stream',
    ...(fileName ? { fileName } : {}),
  });
  const media: Record<string, unknown> = { encrypt_query_param: param, encrypt_type: 1 };
  if (key) media.aes_key = kind === 'image' ? formA(key) : formB(key);
  return { media, ...(key ? { key } : {}), cipherLen: cipher.length, param };
}

export function mediaLink(param: string): string {
  return `/sandbox/api/ilink/media?param=${encodeURIComponent(param)}`;
}

function buildItems(st: IlinkState, m: InboundInput, kind: InboundKind): { items: Record<string, unknown>[]; view: ItemView[] } | undefined {
  const msgId = `m-${randHex(st.rand, 10)}`;
  if (kind === 'text') {
    if (typeof m.text !== 'string' || m.text === '') throw new SandboxError(400, 'text must be a non-empty string');
    const item: Record<string, unknown> = { type: 1, msg_id: msgId, text_item: { text: m.text } };
    if (m.quote) item.ref_msg = { title: m.quote.title ?? '', message_item: { type: 1, text_item: { text: m.quote.text ?? '' } } };
    return { items: [item], view: [{ type: 'text', text: m.quote ? `[${m.quote.title ?? ''} | ${m.quote.text ?? ''}] ${m.text}` : m.text }] };
  }
  if (kind === 'sticker') {
    if (st.opts.stickers === 'drop') return undefined;
    if (st.opts.stickers === 'empty-items') return { items: [], view: [{ type: 'unknown', text: '[sticker]' }] };
    return { items: [{ type: 1, msg_id: msgId, text_item: { text: '[表情]' } }], view: [{ type: 'text', text: '[表情]' }] };
  }
  const plain = bytesOf(m, kind);
  const fileName = kind === 'file' ? (m.fileName ?? 'file.bin') : undefined;
  const { media, key, cipherLen, param } = putMedia(st, kind, plain, fileName);
  const view: ItemView = { type: kind, size: plain.length, media: mediaLink(param), ...(fileName ? { fileName } : {}) };
  if (kind === 'image') {
    const image: Record<string, unknown> = { media, mid_size: cipherLen, hd_size: cipherLen };
    if (key) image.aeskey = key.toString('hex');
    return { items: [{ type: 2, msg_id: msgId, image_item: image }], view: [view] };
  }
  if (kind === 'file')
    return { items: [{ type: 4, msg_id: msgId, file_item: { media, file_name: fileName, md5: md5Hex(plain), len: String(plain.length) } }], view: [view] };
  if (kind === 'video') {
    return { items: [{ type: 5, msg_id: msgId, video_item: { media, video_size: cipherLen, play_length: 3, video_md5: md5Hex(plain) } }], view: [view] };
  }
  const voice: Record<string, unknown> = { media, encode_type: 6, sample_rate: 24000, bits_per_sample: 16, playtime: m.playtime ?? 2000 };
  if (m.transcript) voice.text = m.transcript;
  return { items: [{ type: 3, msg_id: msgId, voice_item: voice }], view: [{ ...view, ...(m.transcript ? { text: m.transcript } : {}) }] };
}

/** The owner sends the bot a message; answers its `message_id` (digits) or null when dropped. */
export function ownerSends(st: IlinkState, m: InboundInput): { messageId: string | null; seq?: number; bot?: string } {
  const bot = st.botOfUser(m.user);
  const kind = kindOf(m);
  const built = buildItems(st, m, kind);
  if (!built) return { messageId: null };
  const msg = userMessage(st, bot, built.items);
  st.recordChat({ bot: bot.id, dir: 'in', id: msg.message_id ?? '', items: built.view });
  st.count('injected');
  return { messageId: msg.message_id ?? null, seq: msg.seq, bot: bot.id };
}

/** A USER message with a fresh context token; opens the window and resets the quota (§8.2). */
export function userMessage(st: IlinkState, bot: Bot, items: Record<string, unknown>[]): WireMessage {
  const now = st.now();
  const token = newOpaque(st.rand, 24);
  const latest = bot.contextTokens[bot.contextTokens.length - 1];
  if (latest) latest.supersededAt = now;
  bot.contextTokens.push({ token, issuedAt: now, sends: 0 });
  if (bot.contextTokens.length > 50) bot.contextTokens.splice(0, bot.contextTokens.length - 50);
  bot.lastInboundAt = now;
  bot.sendsSinceInbound = 0;
  bot.sessionId ??= newOpaque(st.rand, 9);
  const msg: WireMessage = {
    seq: ++bot.seq,
    message_id: st.nextMessageId(),
    from_user_id: bot.userId,
    to_user_id: bot.id,
    create_time_ms: now,
    update_time_ms: now,
    session_id: bot.sessionId,
    message_type: 1,
    message_state: 2,
    context_token: token,
    item_list: items,
  };
  enqueue(st, bot, msg);
  return msg;
}
