/**
 * Match a conversation or a person against a list a user typed in a settings form. Users write
 * whatever they see: an id, a stable id (wxid_…, …@chatroom), a room topic, a nickname, a remark
 * or an alias. Names compare case-insensitively; ids exactly.
 */
import type { Contact, Room, RoomMember } from '../../transport/model.js';
import type { DirectoryView, SendTarget } from '../../bot/types.js';

/** What a conversation is known by. */
export interface ChatLike {
  chatId: string;
  room?: Pick<Room, 'id' | 'stableId' | 'topic'> | undefined;
  /** The other person, in a private chat. */
  peer?: Pick<Contact, 'id' | 'stableId' | 'name' | 'remark' | 'alias'> | undefined;
}

/** What a person is known by. */
export interface PersonLike {
  id: string;
  contact?: Pick<Contact, 'stableId' | 'name' | 'remark' | 'alias'> | undefined;
  member?: Pick<RoomMember, 'stableId' | 'name' | 'displayName'> | undefined;
  /** The sender name the message carried. */
  name?: string | undefined;
}

function norm(s: string): string {
  return s.trim().toLowerCase();
}

function anyName(entries: readonly string[], ids: (string | undefined)[], names: (string | undefined)[]): boolean {
  const idSet = new Set(ids.filter((x): x is string => !!x));
  const nameSet = new Set(names.filter((x): x is string => !!x).map(norm));
  return entries.some((e) => idSet.has(e.trim()) || nameSet.has(norm(e)));
}

/**
 * Whether the conversation is one of `entries` (ids, stable ids, room topics, contact names).
 *
 * @example
 *   chatMatches(['Family', 'wxid_abc'], { chatId: ctx.chatId, room: ctx.room, peer: ctx.sender });
 */
export function chatMatches(entries: readonly string[], chat: ChatLike): boolean {
  if (entries.length === 0) return false;
  const r = chat.room;
  const p = chat.peer;
  return anyName(entries, [chat.chatId, r?.id, r?.stableId, p?.id, p?.stableId], [r?.topic, p?.name, p?.remark, p?.alias]);
}

/**
 * Whether the person is one of `entries` (ids, stable ids, nicknames, remarks, aliases, group nicknames).
 *
 * @example
 *   personMatches(config.owners, { id: ctx.message.senderId, contact: ctx.sender, name: ctx.message.senderName });
 */
export function personMatches(entries: readonly string[], person: PersonLike): boolean {
  if (entries.length === 0) return false;
  const c = person.contact;
  const m = person.member;
  return anyName(entries, [person.id, c?.stableId, m?.stableId], [c?.name, c?.remark, c?.alias, m?.name, m?.displayName, person.name]);
}

/**
 * Remove @-mentions of the bot from a group message's text (WeChat writes `@Name` followed by a
 * four-per-em space U+2005, or a normal space at the end of a line).
 *
 * @example
 *   stripMentions('@Bot\u2005hello', ['Bot']); // 'hello'
 */
export function stripMentions(text: string, names: readonly (string | undefined)[]): string {
  let out = text;
  for (const name of names) {
    if (!name) continue;
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`@${escaped}(?:[\\u2005\\s]+|$)`, 'g'), '');
  }
  return out.trim();
}

/** The chat a settings entry names, to send to: a room (id, stable id or topic) first, then a contact (id, remark, nickname or alias). */
export function chatTarget(d: DirectoryView, entry: string): SendTarget | undefined {
  const r = d.room(entry) ?? d.findRoom(entry);
  if (r) return { id: r.id };
  const c = d.contact(entry) ?? d.find(entry);
  return c ? { id: c.id } : undefined;
}
