/** Accounts: one row per WeChat account this server keeps online. */
import { randomUUID } from 'node:crypto';
import type { Promised } from './gate.js';
import { all, atomic, get, run, type Sql, type Steps } from './sql/work.js';
import type { TransportKind } from '../transport/capabilities.js';

export interface AccountRecord {
  id: string;
  name: string;
  enabled: boolean;
  /** The transport chosen when the account was added (never changes). */
  transport: TransportKind;
  selfName?: string;
  selfStableId?: string;
  createdAt: number;
  updatedAt: number;
}

/** The repository's shape with plain results; callers get its asynchronous view, `AccountsRepo`. */
export interface AccountsTable {
  list(): AccountRecord[];
  get(id: string): AccountRecord | undefined;
  create(input: { name: string; id?: string; enabled?: boolean; transport?: TransportKind }): AccountRecord;
  update(id: string, patch: Partial<Pick<AccountRecord, 'name' | 'enabled' | 'selfName' | 'selfStableId'>>): AccountRecord | undefined;
  remove(id: string): boolean;
  /** Delete the account and everything stored for it (messages, directory, outbox, plugin data, statistics), in one transaction. */
  purge(id: string): void;
}

export type AccountsRepo = Promised<AccountsTable>;

/** The tables keyed by account whose rows go with the account (sessions follow by foreign key). */
const ACCOUNT_TABLES = [
  'messages',
  'contacts',
  'rooms',
  'outbound',
  'plugin_settings',
  'plugin_errors',
  'decision_traces',
  'daily_stats',
  'daily_chats',
  'account_timeline',
];

interface Row {
  id: string;
  name: string;
  enabled: number;
  transport: string;
  self_name: string | null;
  self_stable_id: string | null;
  created_at: number;
  updated_at: number;
}

function toRecord(r: Row): AccountRecord {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled === 1,
    transport: r.transport === 'ilink' ? 'ilink' : 'web',
    ...(r.self_name != null && { selfName: r.self_name }),
    ...(r.self_stable_id != null && { selfStableId: r.self_stable_id }),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function createAccountsRepo(sql: Sql, now: () => number = Date.now): Steps<AccountsTable> {
  const list = sql.query('select * from accounts order by created_at, id');
  const byId = sql.query('select * from accounts where id = ?');
  const insert = sql.query('insert into accounts (id, name, enabled, transport, created_at, updated_at) values (?, ?, ?, ?, ?, ?)');
  // One statement, each field kept when the patch leaves it out: two nodes patching different fields both win.
  const update = sql.query(
    `update accounts set name = coalesce(?, name), enabled = coalesce(?, enabled), self_name = coalesce(?, self_name),
       self_stable_id = coalesce(?, self_stable_id), updated_at = ? where id = ?`,
  );
  const remove = sql.query('delete from accounts where id = ?');
  const purgeTables = ACCOUNT_TABLES.map((table) => sql.query(`delete from ${table} where account_id = ?`));
  const purgeKv = sql.query('delete from kv where scope like ?');
  return {
    *list() {
      return (yield* all<Row>(list)).map(toRecord);
    },
    *get(id) {
      const r = yield* get<Row>(byId, id);
      return r ? toRecord(r) : undefined;
    },
    *create({ name, id, enabled = true, transport = 'web' }) {
      const t = now();
      const accountId = id ?? randomUUID().slice(0, 8);
      yield* run(insert, accountId, name, enabled ? 1 : 0, transport, t, t);
      return toRecord((yield* get<Row>(byId, accountId))!);
    },
    *update(id, patch) {
      const enabled = patch.enabled === undefined ? null : patch.enabled ? 1 : 0;
      const changed = yield* run(update, patch.name ?? null, enabled, patch.selfName ?? null, patch.selfStableId ?? null, now(), id);
      if (changed === 0) return undefined;
      return toRecord((yield* get<Row>(byId, id))!);
    },
    *remove(id) {
      return (yield* run(remove, id)) > 0;
    },
    *purge(id) {
      yield* atomic(
        (function* () {
          for (const q of purgeTables) yield* run(q, id);
          yield* run(purgeKv, `plugin:%:${id}`);
          yield* run(remove, id);
        })(),
      );
    },
  };
}
