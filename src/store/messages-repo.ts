/** Chat messages per account (received and this account's own), searchable for the panel and the API. */
import type { Message, MessageType } from '../transport/model.js';
import type { Db } from './database.js';
import type { Promised } from './gate.js';

export interface MessageQuery {
  chatId?: string;
  /** Substring of the text (case-insensitive for ASCII). */
  text?: string;
  /** Only messages created before / after these times (ms). */
  before?: number;
  after?: number;
  /** Default 50, at most 500. */
  limit?: number;
}

export interface StoredMessage extends Message {
  account: string;
  recalled: boolean;
}

/** The synchronous SQLite implementation; callers get its asynchronous view, `MessagesRepo`. */
export interface MessagesTable {
  /** Insert one message; a duplicate id for the account is ignored. Returns whether it was new. */
  insert(account: string, message: Message): boolean;
  get(account: string, id: string): StoredMessage | undefined;
  /** Newest first. */
  list(account: string, query?: MessageQuery): StoredMessage[];
  markRecalled(account: string, id: string): boolean;
  count(account: string): number;
  /** The chats with the newest messages, newest first, with the time of their last message. */
  recentChats(account: string, limit: number): { chatId: string; last: number }[];
}

export type MessagesRepo = Promised<MessagesTable>;

interface Row {
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
}

interface Extra {
  media?: Message['media'];
  link?: Message['link'];
  location?: Message['location'];
  card?: Message['card'];
  mentions?: string[];
}

function toMessage(r: Row): StoredMessage {
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
    ...(extra.media && { media: extra.media }),
    ...(extra.link && { link: extra.link }),
    ...(extra.location && { location: extra.location }),
    ...(extra.card && { card: extra.card }),
  };
}

/** Only the optional parts go to JSON, and only when present: plain texts cost no stringify. */
function extraOf(m: Message): string | null {
  if (!m.media && !m.link && !m.location && !m.card && m.mentions.length === 0) return null;
  const e: Extra = {};
  if (m.media) e.media = m.media;
  if (m.link) e.link = m.link;
  if (m.location) e.location = m.location;
  if (m.card) e.card = m.card;
  if (m.mentions.length) e.mentions = m.mentions;
  return JSON.stringify(e);
}

export function createMessagesRepo(db: Db): MessagesTable {
  const insert = db.prepare(
    `insert or ignore into messages (account_id, id, chat_id, room_id, sender_id, sender_name, to_id, is_self, type, text,
       mentions_self, created_at, extra) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const byId = db.prepare<[string, string], Row>('select * from messages where account_id = ? and id = ?');
  const recall = db.prepare('update messages set recalled = 1 where account_id = ? and id = ?');
  const count = db.prepare<[string], { n: number }>('select count(*) as n from messages where account_id = ?');
  return {
    insert(account, m) {
      return (
        insert.run(
          account,
          m.id,
          m.chatId,
          m.roomId ?? null,
          m.senderId,
          m.senderName ?? null,
          m.toId,
          m.isSelf ? 1 : 0,
          m.type,
          m.text,
          m.mentionsSelf ? 1 : 0,
          m.createdAt,
          extraOf(m),
        ).changes > 0
      );
    },
    get(account, id) {
      const r = byId.get(account, id);
      return r ? toMessage(r) : undefined;
    },
    list(account, q = {}) {
      const where = ['account_id = ?'];
      const args: (string | number)[] = [account];
      if (q.chatId !== undefined) {
        where.push('chat_id = ?');
        args.push(q.chatId);
      }
      if (q.text) {
        where.push("text like ? escape '\\'");
        args.push(`%${q.text.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
      }
      if (q.before !== undefined) {
        where.push('created_at < ?');
        args.push(q.before);
      }
      if (q.after !== undefined) {
        where.push('created_at > ?');
        args.push(q.after);
      }
      const limit = Math.max(1, Math.min(500, Math.floor(q.limit ?? 50)));
      const rows = db.prepare(`select * from messages where ${where.join(' and ')} order by created_at desc, rowid desc limit ${limit}`).all(...args) as Row[];
      return rows.map(toMessage);
    },
    markRecalled: (account, id) => recall.run(account, id).changes > 0,
    count: (account) => count.get(account)!.n,
    recentChats: (account, limit) =>
      db
        .prepare<[string, number], { chat_id: string; last: number }>(
          'select chat_id, max(created_at) as last from messages where account_id = ? group by chat_id order by last desc limit ?',
        )
        .all(account, limit)
        .map((r) => ({ chatId: r.chat_id, last: r.last })),
  };
}
