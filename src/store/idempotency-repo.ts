/**
 * `Idempotency-Key`: the first answer to a (token, key) is stored; the same key with the same
 * request replays it, with another request is refused (422), and while the first is still running
 * a second gets 409. Answers of 5xx are not stored, so a retry runs again.
 */
import { atomic, get, run, type Op, type Sql, type Steps } from './sql/work.js';
import type { Promised } from './gate.js';
import type { IdempotencyLookup, StoredAnswer } from '../api/idempotency.js';

/** The repository's shape with plain results; callers get its asynchronous view, `IdempotencyRepo`. */
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
export function createIdempotencyRepo(sql: Sql, now: () => number, options: { ttlMs?: number; staleMs?: number } = {}): Steps<IdempotencyTable> {
  const ttl = options.ttlMs ?? 86_400_000;
  const stale = options.staleMs ?? 60_000;
  // The claim is an insert that a unique key decides, so two nodes racing on one key cannot both win.
  const claim = sql.query(
    `insert into api_idempotency (token_id, key, request_hash, state, created_at) values (?, ?, ?, 'running', ?) on conflict (token_id, key) do nothing`,
  );
  const read = sql.query({
    sqlite: 'select request_hash, state, status, body, created_at from api_idempotency where token_id = ? and key = ?',
    postgres: 'select request_hash, state, status, body, created_at from api_idempotency where token_id = ? and key = ? for update',
  });
  const takeOver = sql.query(
    `update api_idempotency set request_hash = ?, state = 'running', status = null, body = null, created_at = ? where token_id = ? and key = ?`,
  );
  const purge = sql.query('delete from api_idempotency where created_at < ?');
  const finish = sql.query(`update api_idempotency set state = 'done', status = ?, body = ? where token_id = ? and key = ?`);
  const abandon = sql.query('delete from api_idempotency where token_id = ? and key = ?');
  let lastPurge = 0;
  return {
    *begin(tokenId, key, hash) {
      return yield* atomic(
        (function* (): Generator<Op, IdempotencyLookup, unknown> {
          const t = now();
          if (t - lastPurge > 60_000) {
            lastPurge = t;
            yield* run(purge, t - ttl);
          }
          if ((yield* run(claim, tokenId, key, hash, t)) > 0) return { kind: 'new' };
          const row = yield* get<{ request_hash: string; state: string; status: number | null; body: string | null; created_at: number }>(read, tokenId, key);
          if (row && row.created_at >= t - ttl) {
            if (row.request_hash !== hash) return { kind: 'mismatch' };
            if (row.state === 'done')
              return { kind: 'replay', answer: { status: row.status ?? 200, body: row.body ? (JSON.parse(row.body) as unknown) : null } };
            if (row.created_at >= t - stale) return { kind: 'running' };
          }
          // Expired, or a claim left running by a crash: taken over.
          yield* run(takeOver, hash, t, tokenId, key);
          return { kind: 'new' };
        })(),
      );
    },
    *finish(tokenId, key, a) {
      yield* run(finish, a.status, JSON.stringify(a.body ?? null), tokenId, key);
    },
    *abandon(tokenId, key) {
      yield* run(abandon, tokenId, key);
    },
  };
}
