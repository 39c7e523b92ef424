/**
 * Exactly-once out of iLink's at-least-once delivery (ilink.md §4.5). A message is a copy when its
 * `message_id`, its (`from_user_id`, `seq`), its `client_id` or its item ids were seen in the last
 * 24 h, or — within a few minutes, for replays that change every id — when the same sender sent the
 * same text with the same `create_time_ms`. Every key is prefixed by the sender, never the sender
 * alone. What was seen lives behind a small port so a restart does not answer twice.
 */
import { createHash } from 'node:crypto';
import type { WireMessage } from './wire.js';

/**
 * Where the keys of handled messages are kept (per account): the store in production (src/store),
 * memory in tests. The client only reads and prunes them: the keys of a message are written by
 * whoever stores the message, in the same transaction (`Transport.deliveryKeys`), so they are never
 * durable without it — a crash between the two would otherwise leave a message marked handled
 * that nobody stored, skipped when it is fetched again.
 */
export interface SeenStore {
  /** When each of these keys was first seen (keys never seen are absent). */
  seen(keys: string[]): Promise<Map<string, number>>;
  /** Forget keys first seen before `before`. */
  prune(before: number): Promise<void>;
}

/** A SeenStore the caller also writes to (memory). */
export interface WritableSeenStore extends SeenStore {
  remember(keys: string[], at: number): Promise<void>;
}

export const DEDUPE_TTL_MS = 24 * 3_600_000;
export const TEXT_WINDOW_MS = 5 * 60_000;

function hash(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 22);
}

/** The dedupe keys of an inbound message (empty when it carries nothing to key on). */
export function dedupeKeys(m: WireMessage): string[] {
  const from = m.from_user_id ?? '';
  const keys: string[] = [];
  if (m.message_id !== undefined && m.message_id !== null && String(m.message_id) !== '') keys.push(`id:${from}:${String(m.message_id)}`);
  if (typeof m.seq === 'number') keys.push(`seq:${from}:${m.seq}`);
  if (m.client_id) keys.push(`cid:${from}:${m.client_id}`);
  const itemIds = (m.item_list ?? []).map((i) => i.msg_id).filter((x): x is string => !!x);
  if (itemIds.length) keys.push(`items:${from}:${hash(itemIds.sort().join('\n'))}`);
  const first = (m.item_list ?? []).map((i) => i.text_item?.text ?? i.voice_item?.text).find((t) => !!t);
  // ref_msg is left out on purpose: replays were seen with it toggled (hermes-agent PR #16646).
  if (first && m.create_time_ms !== undefined) keys.push(`text:${from}:${hash(first)}:${m.create_time_ms}`);
  return keys;
}

/** Whether a message with these keys was handled already (at `now`). */
export async function isDuplicate(store: SeenStore, keys: string[], now: number, textWindowMs = TEXT_WINDOW_MS): Promise<boolean> {
  if (keys.length === 0) return false;
  for (const [key, at] of await store.seen(keys)) {
    const window = key.startsWith('text:') ? textWindowMs : DEDUPE_TTL_MS;
    if (now - at < window) return true;
  }
  return false;
}

/** A SeenStore in memory (the keys a client handed over in this run; tests). */
export function memorySeenStore(): WritableSeenStore {
  const map = new Map<string, number>();
  return {
    seen: async (keys) => new Map(keys.filter((k) => map.has(k)).map((k) => [k, map.get(k)!])),
    remember: async (keys, at) => {
      for (const k of keys) if (!map.has(k)) map.set(k, at);
    },
    prune: async (before) => {
      for (const [k, at] of map) if (at < before) map.delete(k);
    },
  };
}
