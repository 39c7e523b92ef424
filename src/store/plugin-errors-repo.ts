/** Failures of plugins (threw, rejected, timed out, failed to set up), per account, for the panel. */
import { all, get, run, type Sql, type Steps } from './sql/work.js';
import type { Promised } from './gate.js';
import { parsePhrase, type Phrase } from '../util/phrase.js';

export type PluginErrorKind = 'threw' | 'rejected' | 'timeout' | 'setup' | 'dispose' | 'event';

export interface PluginErrorRecord {
  id: number;
  account: string;
  plugin: string;
  kind: PluginErrorKind;
  /** English, for logs and the API. */
  message: string;
  /** The message as a phrase, when the plugin raised one (the panel shows it in the reader's language). */
  phrase?: Phrase;
  stack?: string;
  messageId?: string;
  at: number;
}

/** The repository's shape with plain results; callers get its asynchronous view, `PluginErrorsRepo`. */
export interface PluginErrorsTable {
  record(e: Omit<PluginErrorRecord, 'id'>): void;
  /** Newest first. */
  list(account: string, options?: { plugin?: string; limit?: number }): PluginErrorRecord[];
  count(account: string, plugin: string): number;
  /** Failures recorded per account and plugin, over all accounts. */
  countsByPlugin(): { account: string; plugin: string; count: number }[];
}

export type PluginErrorsRepo = Promised<PluginErrorsTable>;

interface Row {
  id: number;
  account_id: string;
  plugin: string;
  kind: string;
  message: string;
  phrase: string | null;
  stack: string | null;
  message_id: string | null;
  at: number;
}

export function createPluginErrorsRepo(sql: Sql): Steps<PluginErrorsTable> {
  const ins = sql.query('insert into plugin_errors (account_id, plugin, kind, message, phrase, stack, message_id, at) values (?, ?, ?, ?, ?, ?, ?, ?)');
  const count = sql.query('select count(*) as n from plugin_errors where account_id = ? and plugin = ?');
  const counts = sql.query('select account_id, plugin, count(*) as n from plugin_errors group by account_id, plugin');
  return {
    *record(e) {
      yield* run(ins, e.account, e.plugin, e.kind, e.message, e.phrase ? JSON.stringify(e.phrase) : null, e.stack ?? null, e.messageId ?? null, e.at);
    },
    *list(account, { plugin, limit = 50 } = {}) {
      const query = sql.query(
        `select * from plugin_errors where account_id = ? ${plugin ? 'and plugin = ?' : ''} order by id desc limit ${Math.max(1, Math.min(500, Math.floor(limit)))}`,
      );
      const rows = yield* all<Row>(query, ...(plugin ? [account, plugin] : [account]));
      return rows.map((r) => {
        const phrase = parsePhrase(r.phrase);
        return {
          id: r.id,
          account: r.account_id,
          plugin: r.plugin,
          kind: r.kind as PluginErrorKind,
          message: r.message,
          ...(phrase && { phrase }),
          ...(r.stack != null && { stack: r.stack }),
          ...(r.message_id != null && { messageId: r.message_id }),
          at: r.at,
        };
      });
    },
    *count(account, plugin) {
      return (yield* get<{ n: number }>(count, account, plugin))!.n;
    },
    *countsByPlugin() {
      const rows = yield* all<{ account_id: string; plugin: string; n: number }>(counts);
      return rows.map((r) => ({ account: r.account_id, plugin: r.plugin, count: r.n }));
    },
  };
}
