/**
 * An inbound iLink message as the domain `Message` (ilink.md §5). The first item decides the type;
 * a voice message carries WeChat's own transcript as its text when there is one. Media keep a
 * handle (CDN parameter, key, server URL) inside `media.mediaId` so the bytes can be fetched later,
 * even after a restart.
 */
import { createHash } from 'node:crypto';
import type { MediaInfo, Message, MessageType } from '../transport/model.js';
import { ITEM_FILE, ITEM_IMAGE, ITEM_TEXT, ITEM_VIDEO, ITEM_VOICE, type WireCdnMedia, type WireItem, type WireMessage } from './wire.js';

/** Where a media item's bytes are and how to decrypt them. */
export interface MediaHandle {
  /** `encrypt_query_param`. */
  q: string;
  /** The key as the wire gave it (any encoding), absent for plain bytes. */
  k?: string;
  /** `full_url`, used only when it points at the configured CDN. */
  u?: string;
}

export function encodeHandle(h: MediaHandle): string {
  return Buffer.from(JSON.stringify(h)).toString('base64url');
}

export function decodeHandle(mediaId: string): MediaHandle {
  let h: Partial<MediaHandle>;
  try {
    h = JSON.parse(Buffer.from(mediaId, 'base64url').toString('utf8')) as Partial<MediaHandle>;
  } catch {
    throw new Error('not an iLink media handle');
  }
  if (typeof h.q !== 'string' || !h.q) throw new Error('not an iLink media handle');
  return { q: h.q, ...(typeof h.k === 'string' && { k: h.k }), ...(typeof h.u === 'string' && { u: h.u }) };
}

function handleOf(media: WireCdnMedia | undefined, key: string | undefined): string | undefined {
  if (!media?.encrypt_query_param && !media?.full_url) return undefined;
  return encodeHandle({ q: media.encrypt_query_param ?? '', ...(key && { k: key }), ...(media.full_url && { u: media.full_url }) });
}

/** A stable id for a message: `message_id`, else something derived from what it carries. */
export function messageIdOf(m: WireMessage): string {
  if (m.message_id !== undefined && m.message_id !== null && String(m.message_id) !== '') return String(m.message_id);
  if (m.client_id) return `c-${m.client_id}`;
  if (typeof m.seq === 'number') return `s-${m.from_user_id ?? ''}-${m.seq}`;
  return `h-${createHash('sha256').update(JSON.stringify(m)).digest('hex').slice(0, 24)}`;
}

function quoteOf(item: WireItem): string {
  const ref = item.ref_msg;
  if (!ref) return '';
  const quoted = ref.message_item?.text_item?.text ?? '';
  const parts = [ref.title, quoted].filter((s) => !!s);
  return parts.length ? `「${parts.join(': ')}」\n` : '';
}

function describe(item: WireItem): { type: MessageType; text: string; media?: MediaInfo } | undefined {
  switch (item.type) {
    case ITEM_TEXT:
      return item.text_item?.text !== undefined ? { type: 'text', text: quoteOf(item) + item.text_item.text } : undefined;
    case ITEM_IMAGE: {
      const i = item.image_item ?? {};
      const mediaId = handleOf(i.media, i.aeskey || i.media?.aes_key);
      return { type: 'image', text: '[image]', media: { ...(mediaId && { mediaId }), ...(i.mid_size !== undefined && { fileSize: i.mid_size }) } };
    }
    case ITEM_VOICE: {
      const v = item.voice_item ?? {};
      const mediaId = handleOf(v.media, v.media?.aes_key);
      return {
        type: 'voice',
        text: v.text || '[voice]',
        media: {
          ...(mediaId && { mediaId }),
          mimeType: v.encode_type === 6 ? 'audio/silk' : 'audio/octet-stream',
          ...(v.playtime !== undefined && { durationMs: v.playtime }),
        },
      };
    }
    case ITEM_FILE: {
      const f = item.file_item ?? {};
      const mediaId = handleOf(f.media, f.media?.aes_key);
      const size = Number(f.len);
      return {
        type: 'file',
        text: f.file_name || '[file]',
        media: {
          ...(mediaId && { mediaId }),
          ...(f.file_name && { fileName: f.file_name }),
          ...(Number.isFinite(size) && f.len && { fileSize: size }),
          ...(f.md5 && { md5: f.md5 }),
        },
      };
    }
    case ITEM_VIDEO: {
      const v = item.video_item ?? {};
      const mediaId = handleOf(v.media, v.media?.aes_key);
      return { type: 'video', text: '[video]', media: { ...(mediaId && { mediaId }), mimeType: 'video/mp4', ...(v.video_md5 && { md5: v.video_md5 }) } };
    }
    default:
      return undefined;
  }
}

/** The domain message, or undefined for what is not a user's message (bot echoes, empty items). */
export function toMessage(m: WireMessage, botId: string, now: number): Message | undefined {
  if (m.message_type !== undefined && m.message_type !== 1) return undefined;
  const from = m.from_user_id;
  if (!from || from === botId) return undefined;
  const items = (m.item_list ?? []).map(describe).filter((d) => d !== undefined);
  const first = items[0] ?? { type: 'unknown' as const, text: '[unsupported message]' };
  return {
    id: messageIdOf(m),
    type: first.type,
    chatId: from,
    senderId: from,
    toId: botId,
    isSelf: false,
    text: first.text,
    mentionsSelf: false,
    mentions: [],
    createdAt: typeof m.create_time_ms === 'number' ? m.create_time_ms : now,
    ...(first.media && { media: first.media }),
  };
}
