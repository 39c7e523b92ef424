/** Per-account plugin settings: switched on or off, position in the chain, and the validated config. */
import { all, atomic, run, type Sql, type Steps } from './sql/work.js';
import type { Promised } from './gate.js';

export interface PluginSetting {
  plugin: string;
  enabled: boolean;
  /** Position in the chain, lower first. */
  order: number;
  config: unknown;
}

/** The repository's shape with plain results; callers get its asynchronous view, `PluginSettingsRepo`. */
export interface PluginSettingsTable {
  /** The account's saved settings, in chain order (empty when it never saved any). */
  list(account: string): PluginSetting[];
  /** Write every setting of the account in one transaction (the host's whole state after a change). */
  saveAll(account: string, settings: PluginSetting[]): void;
  clear(account: string): void;
}

export type PluginSettingsRepo = Promised<PluginSettingsTable>;

export function createPluginSettingsRepo(sql: Sql, now: () => number = Date.now): Steps<PluginSettingsTable> {
  const up = sql.query(
    `insert into plugin_settings (account_id, plugin, enabled, position, config, updated_at) values (?, ?, ?, ?, ?, ?)
     on conflict(account_id, plugin) do update set enabled = excluded.enabled, position = excluded.position,
       config = excluded.config, updated_at = excluded.updated_at`,
  );
  const list = sql.query('select plugin, enabled, position, config from plugin_settings where account_id = ? order by position, plugin');
  const clear = sql.query('delete from plugin_settings where account_id = ?');
  return {
    *list(account) {
      const rows = yield* all<{ plugin: string; enabled: number; position: number; config: string }>(list, account);
      return rows.map((r) => ({ plugin: r.plugin, enabled: r.enabled === 1, order: r.position, config: JSON.parse(r.config) as unknown }));
    },
    *saveAll(account, settings) {
      yield* atomic(
        (function* () {
          const t = now();
          for (const s of settings) yield* run(up, account, s.plugin, s.enabled ? 1 : 0, s.order, JSON.stringify(s.config ?? {}), t);
        })(),
      );
    },
    *clear(account) {
      yield* run(clear, account);
    },
  };
}
