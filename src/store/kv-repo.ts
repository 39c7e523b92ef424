/** A small JSON key-value store, partitioned by scope (e.g. `plugin:ai:<account>`). */
import type { Db } from './database.js';

/** The synchronous SQLite implementation; callers get its asynchronous view, `KvRepo`. */
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

export function createKvRepo(db: Db, now: () => number = Date.now): KvTable {
  return {
    get<T>(scope: string, key: string) {
      const row = db.prepare<[string, string], { value: string }>('select value from kv where scope = ? and key = ?').get(scope, key);
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    set(scope, key, value) {
      if (value === undefined) throw new TypeError('kv.set: value must not be undefined (use delete)');
      db.prepare(
        `insert into kv (scope, key, value, updated_at) values (?, ?, ?, ?)
         on conflict(scope, key) do update set value = excluded.value, updated_at = excluded.updated_at`,
      ).run(scope, key, JSON.stringify(value), now());
    },
    delete: (scope, key) => db.prepare('delete from kv where scope = ? and key = ?').run(scope, key).changes > 0,
    list: (scope) =>
      (db.prepare('select key, value from kv where scope = ? order by key').all(scope) as { key: string; value: string }[]).map((r) => ({
        key: r.key,
        value: JSON.parse(r.value) as unknown,
      })),
  };
}
