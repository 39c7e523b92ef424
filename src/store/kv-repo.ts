/** A small JSON key-value store, partitioned by scope (e.g. `plugin:ai:<account>`). */
import { all, get, run, type Sql, type Steps } from './sql/work.js';

/** The repository's shape with plain results; callers get its asynchronous view, `KvRepo`. */
export interface KvTable {
  get<T = unknown>(scope: string, key: string): T | undefined;
  set(scope: string, key: string, value: unknown): void;
  delete(scope: string, key: string): boolean;
  list(scope: string): { key: string; value: unknown }[];
}

/** Written out (not `Promised<KvTable>`) so that `get<T>` keeps its type parameter. */
export interface KvRepo {
  get<T = unknown>(scope: string, key: string): Promise<T | undefined>;
  set(scope: string, key: string, value: unknown): Promise<void>;
  delete(scope: string, key: string): Promise<boolean>;
  list(scope: string): Promise<{ key: string; value: unknown }[]>;
}

export function createKvRepo(sql: Sql, now: () => number = Date.now): Steps<KvTable> {
  const read = sql.query('select value from kv where scope = ? and key = ?');
  const write = sql.query(
    `insert into kv (scope, key, value, updated_at) values (?, ?, ?, ?)
     on conflict(scope, key) do update set value = excluded.value, updated_at = excluded.updated_at`,
  );
  const remove = sql.query('delete from kv where scope = ? and key = ?');
  const list = sql.query('select key, value from kv where scope = ? order by key');
  return {
    *get(scope: string, key: string) {
      const row = yield* get<{ value: string }>(read, scope, key);
      return row ? (JSON.parse(row.value) as unknown) : undefined;
    },
    *set(scope, key, value) {
      if (value === undefined) throw new TypeError('kv.set: value must not be undefined (use delete)');
      yield* run(write, scope, key, JSON.stringify(value), now());
    },
    *delete(scope, key) {
      return (yield* run(remove, scope, key)) > 0;
    },
    *list(scope) {
      return (yield* all<{ key: string; value: string }>(list, scope)).map((r) => ({ key: r.key, value: JSON.parse(r.value) as unknown }));
    },
  } as Steps<KvTable>;
}
