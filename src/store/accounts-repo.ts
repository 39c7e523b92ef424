/** Accounts: one row per WeChat account this server keeps online. */
import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';
import type { Promised } from './gate.js';
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

/** The synchronous SQLite implementation; callers get its asynchronous view, `AccountsRepo`. */
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
const ACCOUNT_TABLES = ['messages', 'contacts', 'rooms', 'outbound', 'plugin_settings', 'plugin_errors', 'decision_traces', 'daily_stats', 'daily_chats'];

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

export function createAccountsRepo(db: Db, now: () => number = Date.now): AccountsTable {
  const byId = db.prepare<[string], Row>('select * from accounts where id = ?');
  return {
    list: () => (db.prepare('select * from accounts order by created_at, id').all() as Row[]).map(toRecord),
    get: (id) => {
      const r = byId.get(id);
      return r ? toRecord(r) : undefined;
    },
    create: ({ name, id, enabled = true, transport = 'web' }) => {
      const t = now();
      const accountId = id ?? randomUUID().slice(0, 8);
      db.prepare('insert into accounts (id, name, enabled, transport, created_at, updated_at) values (?, ?, ?, ?, ?, ?)').run(
        accountId,
        name,
        enabled ? 1 : 0,
        transport,
        t,
        t,
      );
      return toRecord(byId.get(accountId)!);
    },
    update: (id, patch) => {
      const cur = byId.get(id);
      if (!cur) return undefined;
      db.prepare('update accounts set name = ?, enabled = ?, self_name = ?, self_stable_id = ?, updated_at = ? where id = ?').run(
        patch.name ?? cur.name,
        patch.enabled === undefined ? cur.enabled : patch.enabled ? 1 : 0,
        patch.selfName ?? cur.self_name,
        patch.selfStableId ?? cur.self_stable_id,
        now(),
        id,
      );
      return toRecord(byId.get(id)!);
    },
    remove: (id) => db.prepare('delete from accounts where id = ?').run(id).changes > 0,
    purge: db.transaction((id: string) => {
      for (const table of ACCOUNT_TABLES) db.prepare(`delete from ${table} where account_id = ?`).run(id);
      db.prepare('delete from kv where scope like ?').run(`plugin:%:${id}`);
      db.prepare('delete from accounts where id = ?').run(id);
    }),
  };
}
