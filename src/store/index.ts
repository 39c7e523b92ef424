/**
 * The store: one SQLite file and the repositories over it. Other layers receive the small
 * repository interfaces, never the database handle (except migrations-owning repositories).
 */
import { SecretBox, loadOrCreateSecretKey } from './secret-box.js';
import { openDatabase, type Db } from './database.js';
import { createAccountsRepo, type AccountsRepo } from './accounts-repo.js';
import { createSessionsRepo, type SessionsRepo } from './sessions-repo.js';
import { createKvRepo, type KvRepo } from './kv-repo.js';
import { createAuditRepo, type AuditRepo } from './audit-repo.js';
import { createMessagesRepo, type MessagesRepo } from './messages-repo.js';
import { createDirectoryRepo, type DirectoryRepo } from './directory-repo.js';
import { createOutboundRepo, type OutboundRepo } from './outbound-repo.js';
import { createPluginSettingsRepo, type PluginSettingsRepo } from './plugin-settings-repo.js';
import { createPluginErrorsRepo, type PluginErrorsRepo } from './plugin-errors-repo.js';
import { createTracesRepo, type TracesRepo } from './traces-repo.js';
import { createStatsRepo, type StatsRepo } from './stats-repo.js';

export { StoreError } from './errors.js';
export { SecretBox, loadOrCreateSecretKey, parseSecretKey } from './secret-box.js';
export { openDatabase, ensureDataDir, migrate, readMigrations, DATABASE_FILE, type Db } from './database.js';
export type { AccountsRepo, AccountRecord } from './accounts-repo.js';
export type { SessionsRepo } from './sessions-repo.js';
export type { KvRepo } from './kv-repo.js';
export type { AuditRepo, AuditEntry } from './audit-repo.js';
export type { MessagesRepo, MessageQuery, MessagePage, StoredMessage } from './messages-repo.js';
export type { DirectoryRepo } from './directory-repo.js';
export type { OutboundRepo, OutboundRecord, OutboundStatus, OutboundType, OutboundListQuery, NewOutbound, OutboundPayload } from './outbound-repo.js';
export type { PluginSettingsRepo, PluginSetting } from './plugin-settings-repo.js';
export type { PluginErrorsRepo, PluginErrorRecord, PluginErrorKind } from './plugin-errors-repo.js';
export type { TracesRepo, DecisionTrace, TraceStep } from './traces-repo.js';
export type { StatsRepo, DailyStats, StatCounter } from './stats-repo.js';
export { dayOf } from './stats-repo.js';

export interface Store {
  db: Db;
  box: SecretBox;
  accounts: AccountsRepo;
  sessions: SessionsRepo;
  kv: KvRepo;
  audit: AuditRepo;
  messages: MessagesRepo;
  directory: DirectoryRepo;
  outbound: OutboundRepo;
  pluginSettings: PluginSettingsRepo;
  pluginErrors: PluginErrorsRepo;
  traces: TracesRepo;
  stats: StatsRepo;
  close(): void;
}

/**
 * Open the store in DATA_DIR (creating the key and the database on first run).
 *
 * @example
 *   const store = openStore({ dataDir: config.dataDir, secretKey: config.secretKey });
 *   store.accounts.list();
 */
export function openStore(options: { dataDir: string; secretKey?: string | undefined; now?: () => number }): Store {
  const db = openDatabase(options.dataDir);
  let box: SecretBox;
  try {
    box = new SecretBox(loadOrCreateSecretKey(options.dataDir, options.secretKey));
  } catch (e) {
    db.close();
    throw e;
  }
  const now = options.now ?? Date.now;
  return {
    db,
    box,
    accounts: createAccountsRepo(db, now),
    sessions: createSessionsRepo(db, box, now),
    kv: createKvRepo(db, now),
    audit: createAuditRepo(db, now),
    messages: createMessagesRepo(db),
    directory: createDirectoryRepo(db, now),
    outbound: createOutboundRepo(db),
    pluginSettings: createPluginSettingsRepo(db, now),
    pluginErrors: createPluginErrorsRepo(db),
    traces: createTracesRepo(db),
    stats: createStatsRepo(db),
    close: () => {
      if (db.open) db.close();
    },
  };
}
