/**
 * The store: one SQLite file and the repositories over it. Other layers receive the small,
 * asynchronous repository interfaces and the `transaction` port, never the database handle: the
 * handle stays in this folder (an ESLint fence keeps better-sqlite3 and the store's files out of
 * every other layer).
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
import { createSettingsRepo, type SettingsRepo } from './settings-repo.js';
import { createSeenKeysRepo, type SeenKeysRepo } from './seen-keys-repo.js';
import { createWebhookEndpointsRepo, type WebhookEndpointsRepo } from './webhook-endpoints-repo.js';
import { createWebhookDeliveriesRepo, type WebhookDeliveriesRepo } from './webhook-deliveries-repo.js';
import { createEventLogRepo, type EventLogRepo } from './event-log-repo.js';
import { createApiTokensRepo, type ApiTokensRepo } from './api-tokens-repo.js';
import { createIdempotencyRepo, type IdempotencyRepo } from './idempotency-repo.js';
import { createAdminUsersRepo, type AdminUsersRepo } from './admin-users-repo.js';
import { createTimelineRepo, type TimelineRepo } from './timeline-repo.js';
import { ConnectionGate, promised, type TransactionPort } from './gate.js';
import { StoreError } from './errors.js';

export { StoreError };
export { SecretBox, loadOrCreateSecretKey, parseSecretKey } from './secret-box.js';
export { ensureDataDir, readMigrations, DATABASE_FILE } from './database.js';
export type { AccountsRepo, AccountRecord } from './accounts-repo.js';
export type { SessionsRepo } from './sessions-repo.js';
export type { KvRepo } from './kv-repo.js';
export type { AuditRepo, AuditEntry } from './audit-repo.js';
export type { MessagesRepo, MessageQuery, MessagePage, StoredMessage, RecentChat } from './messages-repo.js';
export type { DirectoryRepo } from './directory-repo.js';
export type { OutboundRepo, OutboundListQuery } from './outbound-repo.js';
export type { PluginSettingsRepo, PluginSetting } from './plugin-settings-repo.js';
export type { PluginErrorsRepo, PluginErrorRecord, PluginErrorKind } from './plugin-errors-repo.js';
export type { TracesRepo } from './traces-repo.js';
export type { StatsRepo, DailyStats, StatCounter } from './stats-repo.js';
export type { SettingsRepo } from './settings-repo.js';
export type { Promised } from './gate.js';
export type { SeenKeysRepo } from './seen-keys-repo.js';
export type { WebhookEndpointsRepo } from './webhook-endpoints-repo.js';
export type { WebhookDeliveriesRepo } from './webhook-deliveries-repo.js';
export type { EventLogRepo } from './event-log-repo.js';
export type { ApiTokensRepo } from './api-tokens-repo.js';
export type { IdempotencyRepo } from './idempotency-repo.js';
export type { AdminUsersRepo } from './admin-users-repo.js';
export { TIMELINE_KEEP, type TimelineRepo, type TimelineRow } from './timeline-repo.js';

/** The repositories, each asynchronous; inside `transaction` the same set is bound to the open transaction. */
export interface Repos {
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
  settings: SettingsRepo;
  webhookEndpoints: WebhookEndpointsRepo;
  webhookDeliveries: WebhookDeliveriesRepo;
  eventLog: EventLogRepo;
  apiTokens: ApiTokensRepo;
  idempotency: IdempotencyRepo;
  adminUsers: AdminUsersRepo;
  timeline: TimelineRepo;
}

export interface Store extends Repos {
  box: SecretBox;
  /**
   * Run `fn` in one transaction: everything it writes through `tx` commits together or not at all.
   * Other callers wait until it ends, so keep network calls out of it.
   *
   * @example
   *   await store.transaction(async (tx) => {
   *     if (await tx.messages.insert(account, m)) await tx.stats.add(account, day, 'received');
   *   });
   */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** Whether the database answers (for /readyz). */
  ping(): Promise<boolean>;
  /** Inbound message keys already handled by one account (iLink exactly-once across restarts). */
  seenKeys(account: string): SeenKeysRepo;
  close(): void;
}

/** The synchronous repositories over one connection. */
function tables(db: Db, box: SecretBox, now: () => number) {
  return {
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
    settings: createSettingsRepo(db, box),
    webhookEndpoints: createWebhookEndpointsRepo(db, box),
    webhookDeliveries: createWebhookDeliveriesRepo(db),
    eventLog: createEventLogRepo(db),
    apiTokens: createApiTokensRepo(db, now),
    idempotency: createIdempotencyRepo(db, now),
    adminUsers: createAdminUsersRepo(db, now),
    timeline: createTimelineRepo(db),
  };
}

/** The asynchronous view of every table, each call going through `run`. */
function repos(t: ReturnType<typeof tables>, run: <R>(work: () => R) => Promise<R>): Repos {
  return {
    accounts: promised(t.accounts, run),
    sessions: promised(t.sessions, run),
    kv: promised(t.kv, run) as KvRepo,
    audit: promised(t.audit, run),
    messages: promised(t.messages, run),
    directory: promised(t.directory, run),
    outbound: promised(t.outbound, run),
    pluginSettings: promised(t.pluginSettings, run),
    pluginErrors: promised(t.pluginErrors, run),
    traces: promised(t.traces, run),
    stats: promised(t.stats, run),
    settings: promised(t.settings, run),
    webhookEndpoints: promised(t.webhookEndpoints, run),
    webhookDeliveries: promised(t.webhookDeliveries, run),
    eventLog: promised(t.eventLog, run),
    apiTokens: promised(t.apiTokens, run),
    idempotency: promised(t.idempotency, run),
    adminUsers: promised(t.adminUsers, run),
    timeline: promised(t.timeline, run),
  };
}

/**
 * The repositories of one transaction, each wrapped on first use: a transaction touches two or three
 * of them, and building all of them per transaction (a closure per method) cost more than its writes.
 */
function transactionRepos(t: ReturnType<typeof tables>): new (run: <R>(work: () => R) => Promise<R>) => Repos {
  class TransactionRepos {
    readonly wrapped: Record<string, unknown> = {};
    constructor(readonly run: <R>(work: () => R) => Promise<R>) {}
  }
  for (const [name, table] of Object.entries(t)) {
    Object.defineProperty(TransactionRepos.prototype, name, {
      get(this: TransactionRepos) {
        return (this.wrapped[name] ??= promised(table, this.run));
      },
    });
  }
  return TransactionRepos as unknown as new (run: <R>(work: () => R) => Promise<R>) => Repos;
}

/**
 * The transaction statements, prepared once (a group commit per turn of the event loop runs them often).
 * `beforeCommit` runs inside the transaction just before each COMMIT (the messages of the group go into
 * the full-text index there, in one statement).
 */
function transactionPort(db: Db, beforeCommit: () => void): TransactionPort {
  const begin = db.prepare('begin immediate');
  const commit = db.prepare('commit');
  const rollback = db.prepare('rollback');
  const savepoint = db.prepare('savepoint store_tx');
  const release = db.prepare('release store_tx');
  const rollbackTo = db.prepare('rollback to store_tx');
  const changes = db.prepare<[], number>('select total_changes()').pluck();
  return {
    begin: () => void begin.run(),
    commit: () => {
      beforeCommit();
      commit.run();
    },
    rollback: () => {
      if (db.inTransaction) rollback.run();
    },
    savepoint: () => void savepoint.run(),
    release: () => void release.run(),
    rollbackToSavepoint: () => {
      rollbackTo.run();
      release.run();
    },
    inTransaction: () => db.inTransaction,
    changes: () => changes.get()!,
  };
}

/**
 * Open the store in DATA_DIR (creating the key and the database on first run).
 *
 * @example
 *   const store = openStore({ dataDir: config.dataDir, secretKey: config.secretKey });
 *   await store.accounts.list();
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
  const t = tables(db, box, options.now ?? Date.now);
  const gate = new ConnectionGate(transactionPort(db, () => t.messages.indexPending()));
  const TxRepos = transactionRepos(t);
  const ping = db.prepare('select 1 as ok');
  return {
    ...repos(t, (work) => gate.run(work)),
    box,
    transaction(fn) {
      let open = true;
      // Calls through `tx` run at once: the gate is held for this transaction, and only for it.
      const tx = new TxRepos((work) => {
        if (!open) return Promise.reject(new StoreError('transaction: used after it ended'));
        // Now, not a microtask later: one promise per call instead of two (a message makes about eight such calls).
        try {
          return Promise.resolve(work());
        } catch (e) {
          return Promise.reject(e as Error);
        }
      });
      return gate.hold(() => fn(tx).finally(() => (open = false)));
    },
    ping: () => gate.run(() => ping.get() !== undefined),
    seenKeys: (account) => promised(createSeenKeysRepo(db, account), (work) => gate.run(work)),
    close: () => {
      if (!db.open) return;
      gate.flush();
      // Rows written outside any group (none on the store's own paths) are indexed before closing.
      t.messages.indexPending();
      db.close();
    },
  };
}
