/**
 * Keys of inbound messages an account already handled (iLink dedupe, ilink.md §4.5), so that a
 * message delivered again — even after a restart — is answered once. Kept 24 h by the caller's
 * pruning. One instance per account; the iLink client reads them (its `SeenStore`), the bot writes
 * them in the transaction that stores the message (`Transport.deliveryKeys`).
 */
import { atomic, get, run, statement, twin, type Sql, type Steps, type Work } from './sql/work.js';
import type { Promised } from './gate.js';

/** The repository's shape with plain results; callers get its asynchronous view, `SeenKeysRepo`. */
export interface SeenKeysTable {
  /** When each of these keys was first seen (keys never seen are absent). */
  seen(keys: string[]): Map<string, number>;
  remember(keys: string[], at: number): void;
  prune(before: number): void;
}

export type SeenKeysRepo = Promised<SeenKeysTable>;

/** The statements are prepared once: a repository per account is made for every message stored with its keys. */
export function createSeenKeysRepo(sql: Sql): (account: string) => Steps<SeenKeysTable> {
  const read = sql.query('select at from seen_keys where account_id = ? and key = ?');
  const put = sql.query('insert into seen_keys (account_id, key, at) values (?, ?, ?) on conflict do nothing');
  const drop = sql.query('delete from seen_keys where account_id = ? and at < ?');
  return (account) => ({
    seen: twin(
      function* (keys: string[]): Work<Map<string, number>> {
        const found = new Map<string, number>();
        for (const k of keys) {
          const row = yield* get<{ at: number }>(read, account, k);
          if (row) found.set(k, row.at);
        }
        return found;
      },
      read.now &&
        ((keys) => {
          const found = new Map<string, number>();
          for (const k of keys) {
            const row = read.now!.get([account, k]) as { at: number } | undefined;
            if (row) found.set(k, row.at);
          }
          return found;
        }),
    ),
    remember: twin(
      function* (keys: string[], at: number): Work<void> {
        if (keys.length === 0) return;
        yield* atomic(
          (function* () {
            for (const k of keys) yield* run(put, account, k, at);
          })(),
        );
      },
      sql.atomicNow &&
        ((keys, at) => {
          if (keys.length === 0) return;
          sql.atomicNow!(() => {
            for (const k of keys) put.now!.run([account, k, at]);
          });
        }),
    ),
    prune: statement(drop, (before: number) => [account, before]),
  });
}
