/**
 * Who the panel's send box can send to: the account's friends and groups found by name, remark,
 * alias or topic (search as you type), and the one a typed name or id stands for. A recipient the
 * account does not know is refused before anything is queued: a web-protocol send to an unknown
 * or stale id only fails later with WeChat's Ret -1. Transports without a contact list (iLink)
 * reach the chats that wrote to them, so their recent chats stand in for the directory.
 */
import type { DirectoryView } from '../bot/types.js';
import type { RecentChat } from '../store/index.js';

export interface Recipient {
  id: string;
  /** What the send box shows and accepts: a room's topic, a contact's remark or nickname. */
  name: string;
  kind: 'contact' | 'room' | 'chat';
  /** A second name that helps tell people apart (the nickname behind a remark, the alias). */
  detail?: string;
  /** Groups: how many members. */
  members?: number;
}

export type Resolved = { ok: true; recipient: Recipient } | { ok: false; problem: 'unknown' } | { ok: false; problem: 'ambiguous'; names: string[] };

export interface RecipientSource {
  directory: DirectoryView;
  /** The account's transport keeps a contact list (web); without one (iLink), recent chats are the recipients. */
  hasDirectory: boolean;
  chats: RecentChat[];
}

/** Every recipient with the texts it is found by. */
function everyone(src: RecipientSource): { r: Recipient; keys: string[] }[] {
  if (!src.hasDirectory) return src.chats.map((c) => ({ r: { id: c.chatId, name: c.name ?? c.chatId, kind: 'chat' }, keys: [c.name ?? '', c.chatId] }));
  const rooms = src.directory.rooms().map((room) => ({
    r: { id: room.id, name: room.topic || room.id, kind: 'room' as const, members: room.memberCount || room.members.length },
    keys: [room.topic, room.id, room.stableId ?? ''],
  }));
  const contacts = src.directory
    .contacts()
    .filter((c) => c.kind === 'friend' || c.kind === 'special')
    .map((c) => {
      const detail = c.remark ? c.name : c.alias;
      return {
        r: { id: c.id, name: c.remark || c.name, kind: 'contact' as const, ...(detail && { detail }) },
        keys: [c.remark ?? '', c.name, c.alias ?? '', c.id, c.stableId ?? ''],
      };
    });
  return [...contacts, ...rooms];
}

/**
 * Recipients whose name, remark, alias or topic contains `q` (case-insensitive), names starting
 * with it first; all of them (up to `limit`) for an empty query.
 *
 * @example
 *   searchRecipients(src, 'ali'); // [{ id: '@ab…', name: 'Alice', kind: 'contact' }, …]
 */
export function searchRecipients(src: RecipientSource, q: string, limit = 20): Recipient[] {
  const needle = q.trim().toLowerCase();
  const found = everyone(src)
    .map(({ r, keys }) => {
      const lower = keys.filter(Boolean).map((k) => k.toLowerCase());
      const rank = !needle ? 1 : lower.some((k) => k.startsWith(needle)) ? 0 : lower.some((k) => k.includes(needle)) ? 1 : -1;
      return { r, rank };
    })
    .filter((x) => x.rank >= 0);
  found.sort((a, b) => a.rank - b.rank || a.r.name.localeCompare(b.r.name));
  return found.slice(0, limit).map((x) => x.r);
}

/**
 * The recipient a typed value stands for: an id the account knows, else the one recipient whose
 * name, remark, alias or topic equals it (exactly, then ignoring case).
 */
export function resolveRecipient(src: RecipientSource, value: string): Resolved {
  const v = value.trim();
  if (!v) return { ok: false, problem: 'unknown' };
  const all = everyone(src);
  const byId = all.find(({ r }) => r.id === v);
  if (byId) return { ok: true, recipient: byId.r };
  for (const same of [(k: string) => k === v, (k: string) => k.toLowerCase() === v.toLowerCase()]) {
    const hits = all.filter(({ keys }) => keys.some((k) => k && same(k)));
    if (hits.length === 1) return { ok: true, recipient: hits[0]!.r };
    if (hits.length > 1) return { ok: false, problem: 'ambiguous', names: hits.map(({ r }) => (r.detail ? `${r.name} (${r.detail})` : r.name)) };
  }
  return { ok: false, problem: 'unknown' };
}
