/**
 * Keys of inbound messages an account already handled (iLink dedupe, ilink.md §4.5), so that a
 * message delivered again — even after a restart — is answered once. Kept 24 h by the caller's
 * pruning. One instance per account; the shape is the iLink client's `SeenStore`.
 */
import type { Db } from './database.js';
import type { Promised } from './gate.js';

/** The synchronous table; callers get its asynchronous view, `SeenKeysRepo`. */
export interface SeenKeysTable {
  /** When each of these keys was first seen (keys never seen are absent). */
  seen(keys: string[]): Map<string, number>;
  remember(keys: string[], at: number): void;
  prune(before: number): void;
}

export type SeenKeysRepo = Promised<SeenKeysTable>;

export function createSeenKeysRepo(db: Db, account: string): SeenKeysTable {
  const get = db.prepare<[string, string], { at: number }>('select at from seen_keys where account_id = ? and key = ?');
  const put = db.prepare('insert or ignore into seen_keys (account_id, key, at) values (?, ?, ?)');
  const drop = db.prepare('delete from seen_keys where account_id = ? and at < ?');
  const rememberAll = db.transaction((keys: string[], at: number) => {
    for (const k of keys) put.run(account, k, at);
  });
  return {
    seen(keys) {
      const found = new Map<string, number>();
      for (const k of keys) {
        const row = get.get(account, k);
        if (row) found.set(k, row.at);
      }
      return found;
    },
    remember: (keys, at) => {
      if (keys.length) rememberAll(keys, at);
    },
    prune: (before) => void drop.run(account, before),
  };
}
