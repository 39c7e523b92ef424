/** Per-account plugin settings: switched on or off, position in the chain, and the validated config. */
import type { Db } from './database.js';
import type { Promised } from './gate.js';

export interface PluginSetting {
  plugin: string;
  enabled: boolean;
  /** Position in the chain, lower first. */
  order: number;
  config: unknown;
}

/** The synchronous SQLite implementation; callers get its asynchronous view, `PluginSettingsRepo`. */
export interface PluginSettingsTable {
  /** The account's saved settings, in chain order (empty when it never saved any). */
  list(account: string): PluginSetting[];
  /** Write every setting of the account in one transaction (the host's whole state after a change). */
  saveAll(account: string, settings: PluginSetting[]): void;
  clear(account: string): void;
}

export type PluginSettingsRepo = Promised<PluginSettingsTable>;

export function createPluginSettingsRepo(db: Db, now: () => number = Date.now): PluginSettingsTable {
  const up = db.prepare(
    `insert into plugin_settings (account_id, plugin, enabled, position, config, updated_at) values (?, ?, ?, ?, ?, ?)
     on conflict(account_id, plugin) do update set enabled = excluded.enabled, position = excluded.position,
       config = excluded.config, updated_at = excluded.updated_at`,
  );
  const list = db.prepare<[string], { plugin: string; enabled: number; position: number; config: string }>(
    'select plugin, enabled, position, config from plugin_settings where account_id = ? order by position, plugin',
  );
  const clear = db.prepare('delete from plugin_settings where account_id = ?');
  const saveAll = db.transaction((account: string, settings: PluginSetting[]) => {
    const t = now();
    for (const s of settings) up.run(account, s.plugin, s.enabled ? 1 : 0, s.order, JSON.stringify(s.config ?? {}), t);
  });
  return {
    list: (account) =>
      list.all(account).map((r) => ({ plugin: r.plugin, enabled: r.enabled === 1, order: r.position, config: JSON.parse(r.config) as unknown })),
    saveAll: (account, settings) => saveAll(account, settings),
    clear: (account) => void clear.run(account),
  };
}
