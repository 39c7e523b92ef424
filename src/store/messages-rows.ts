/** How a message is stored: its row, and the conversions between rows and messages. */
import type { Message, MessageType } from '../transport/model.js';
import type { StoredMessage } from './messages-repo.js';

export interface Row {
  seq: number;
  account_id: string;
  id: string;
  chat_id: string;
  room_id: string | null;
  sender_id: string;
  sender_name: string | null;
  to_id: string;
  is_self: number;
  type: string;
  text: string;
  mentions_self: number;
  created_at: number;
  recalled: number;
  extra: string | null;
  chat_name: string | null;
}

interface Extra {
  media?: Message['media'];
  link?: Message['link'];
  location?: Message['location'];
  card?: Message['card'];
  mentions?: string[];
}

export function toMessage(r: Row): StoredMessage {
  const extra: Extra = r.extra ? (JSON.parse(r.extra) as Extra) : {};
  return {
    account: r.account_id,
    id: r.id,
    type: r.type as MessageType,
    chatId: r.chat_id,
    ...(r.room_id != null && { roomId: r.room_id }),
    senderId: r.sender_id,
    ...(r.sender_name != null && { senderName: r.sender_name }),
    toId: r.to_id,
    isSelf: r.is_self === 1,
    text: r.text,
    mentionsSelf: r.mentions_self === 1,
    mentions: extra.mentions ?? [],
    createdAt: r.created_at,
    recalled: r.recalled === 1,
    ...(r.chat_name != null && { chatName: r.chat_name }),
    ...(extra.media && { media: extra.media }),
    ...(extra.link && { link: extra.link }),
    ...(extra.location && { location: extra.location }),
    ...(extra.card && { card: extra.card }),
  };
}

/** Only the optional parts go to JSON, and only when present: plain texts cost no stringify. */
export function extraOf(m: Message): string | null {
  if (!m.media && !m.link && !m.location && !m.card && m.mentions.length === 0) return null;
  const e: Extra = {};
  if (m.media) e.media = m.media;
  if (m.link) e.link = m.link;
  if (m.location) e.location = m.location;
  if (m.card) e.card = m.card;
  if (m.mentions.length) e.mentions = m.mentions;
  return JSON.stringify(e);
}
