/** Installation-wide settings (one value per key), such as the panel's sealed cookie-signing key. */
import { randomBytes } from 'node:crypto';
import type { Db } from './database.js';
import type { Promised } from './gate.js';
import type { SecretBox } from './secret-box.js';

/** The synchronous SQLite implementation; callers get its asynchronous view, `SettingsRepo`. */
export interface SettingsTable {
  get(key: string): string | undefined;
  /**
   * A random 32-byte key stored sealed under `key`: created on first use, the same one afterwards.
   * When two instances race, both end up with the one stored first.
   */
  secretKey(key: string): Buffer;
}
export type SettingsRepo = Promised<SettingsTable>;

export function createSettingsRepo(db: Db, box: SecretBox): SettingsTable {
  const get = db.prepare<[string], { value: string }>('select value from settings where key = ?');
  const putIfAbsent = db.prepare('insert or ignore into settings (key, value) values (?, ?)');
  return {
    get: (key) => get.get(key)?.value,
    secretKey(key) {
      const row = get.get(key);
      if (row) return Buffer.from(box.open(row.value), 'base64');
      putIfAbsent.run(key, box.seal(randomBytes(32).toString('base64')));
      return Buffer.from(box.open(get.get(key)!.value), 'base64');
    },
  };
}
