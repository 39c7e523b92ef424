/**
 * `Idempotency-Key`: the first answer to a (token, key) is stored; the same key with the same
 * request replays it, with another request is refused (422), and while the first is still running
 * a second gets 409. Answers of 5xx are not stored, so a retry runs again.
 */
import type { Db } from './database.js';
import type { Promised } from './gate.js';
import type { IdempotencyLookup, StoredAnswer } from '../api/idempotency.js';

/** The synchronous SQLite implementation; callers get its asynchronous view, `IdempotencyRepo`. */
export interface IdempotencyTable {
  /**
   * Look the key up and, when it is new, claim it: one SQLite transaction in one call, so a racing
   * twin (whose call waits at the gate) sees 'running'.
   */
  begin(tokenId: string, key: string, requestHash: string): IdempotencyLookup;
  finish(tokenId: string, key: string, answer: StoredAnswer): void;
  abandon(tokenId: string, key: string): void;
}

export type IdempotencyRepo = Promised<IdempotencyTable>;

/** Keys are remembered for 24 h; a 'running' claim older than `staleMs` (a crash) is taken over. */
export function createIdempotencyRepo(db: Db, now: () => number, options: { ttlMs?: number; staleMs?: number } = {}): IdempotencyTable {
  const ttl = options.ttlMs ?? 86_400_000;
  const stale = options.staleMs ?? 60_000;
  const get = db.prepare<[string, string], { request_hash: string; state: string; status: number | null; body: string | null; created_at: number }>(
    'select request_hash, state, status, body, created_at from api_idempotency where token_id = ? and key = ?',
  );
  const claim = db.prepare(`insert or replace into api_idempotency (token_id, key, request_hash, state, created_at) values (?, ?, ?, 'running', ?)`);
  let lastPurge = 0;
  const begin = db.transaction((tokenId: string, key: string, hash: string): IdempotencyLookup => {
    const t = now();
    if (t - lastPurge > 60_000) {
      lastPurge = t;
      db.prepare('delete from api_idempotency where created_at < ?').run(t - ttl);
    }
    const row = get.get(tokenId, key);
    if (row && row.created_at >= t - ttl) {
      if (row.request_hash !== hash) return { kind: 'mismatch' };
      if (row.state === 'done') return { kind: 'replay', answer: { status: row.status ?? 200, body: row.body ? (JSON.parse(row.body) as unknown) : null } };
      if (row.created_at >= t - stale) return { kind: 'running' };
    }
    claim.run(tokenId, key, hash, t);
    return { kind: 'new' };
  });
  return {
    begin: (tokenId, key, hash) => begin(tokenId, key, hash),
    finish: (tokenId, key, a) =>
      void db
        .prepare(`update api_idempotency set state = 'done', status = ?, body = ? where token_id = ? and key = ?`)
        .run(a.status, JSON.stringify(a.body ?? null), tokenId, key),
    abandon: (tokenId, key) => void db.prepare('delete from api_idempotency where token_id = ? and key = ?').run(tokenId, key),
  };
}
