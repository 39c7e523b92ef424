/** Installation-wide settings (one value per key), such as the panel's sealed cookie-signing key. */
import { randomBytes } from 'node:crypto';
import { get, run, type Sql, type Steps } from './sql/work.js';
import type { Promised } from './gate.js';
import type { SecretBox } from './secret-box.js';

/** The repository's shape with plain results; callers get its asynchronous view, `SettingsRepo`. */
export interface SettingsTable {
  get(key: string): string | undefined;
  /**
   * A random 32-byte key stored sealed under `key`: created on first use, the same one afterwards.
   * When two instances race, both end up with the one stored first.
   */
  secretKey(key: string): Buffer;
}
export type SettingsRepo = Promised<SettingsTable>;

export function createSettingsRepo(sql: Sql, box: SecretBox): Steps<SettingsTable> {
  const read = sql.query('select value from settings where key = ?');
  const putIfAbsent = sql.query('insert into settings (key, value) values (?, ?) on conflict do nothing');
  return {
    *get(key) {
      return (yield* get<{ value: string }>(read, key))?.value;
    },
    *secretKey(key) {
      const row = yield* get<{ value: string }>(read, key);
      if (row) return Buffer.from(box.open(row.value), 'base64');
      yield* run(putIfAbsent, key, box.seal(randomBytes(32).toString('base64')));
      return Buffer.from(box.open((yield* get<{ value: string }>(read, key))!.value), 'base64');
    },
  };
}
