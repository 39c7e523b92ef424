/**
 * The store: one SQLite file in DATA_DIR, or a PostgreSQL database (DATABASE_URL), and the
 * repositories over it. The repositories are written once against the port in ./sql (each method a
 * generator of statements); each engine's driver runs them. Other layers receive the small,
 * asynchronous repository interfaces and the `transaction` port, never a database handle: handles
 * stay in this folder (an ESLint fence keeps the drivers and the store's files out of every other
 * layer).
 */
import { SecretBox, loadOrCreateSecretKey } from './secret-box.js';
import { ensureDataDir, openDatabase, type Db } from './database.js';
import { createAccountsRepo, type AccountsRepo } from './accounts-repo.js';
import { createSessionsRepo, type SessionsRepo } from './sessions-repo.js';
import { createKvRepo, type KvRepo } from './kv-repo.js';
import { createAuditRepo, type AuditRepo } from './audit-repo.js';
import { createMessagesRepo, type MessagesRepo } from './messages-repo.js';
import { createDirectoryRepo, type DirectoryRepo } from './directory-repo.js';
import { createOutboundRepo, type OutboundRepo, type OutboundTable } from './outbound-repo.js';
import { createPluginSettingsRepo, type PluginSettingsRepo } from './plugin-settings-repo.js';
import { createPluginErrorsRepo, type PluginErrorsRepo } from './plugin-errors-repo.js';
import { createTracesRepo, type TracesRepo } from './traces-repo.js';
import { createStatsRepo, type StatsRepo } from './stats-repo.js';
import { createSettingsRepo, type SettingsRepo } from './settings-repo.js';
import { createSeenKeysRepo, type SeenKeysRepo } from './seen-keys-repo.js';
import { createWebhookEndpointsRepo, type WebhookEndpointsRepo } from './webhook-endpoints-repo.js';
import { createWebhookDeliveriesRepo, type WebhookDeliveriesRepo } from './webhook-deliveries-repo.js';
import { createEventLogRepo, withPending, type EventLogRepo } from './event-log-repo.js';
import { PendingEvents } from './event-log-pending.js';
import { createApiTokensRepo, type ApiTokensRepo } from './api-tokens-repo.js';
import { createIdempotencyRepo, type IdempotencyRepo } from './idempotency-repo.js';
import { createAdminUsersRepo, type AdminUsersRepo } from './admin-users-repo.js';
import { createTimelineRepo, type TimelineRepo } from './timeline-repo.js';
import { createFencesRepo, type FencesRepo } from './fences-repo.js';
import { ConnectionGate, type Issued, type TransactionPort } from './gate.js';
import { bindSteps, viewOf, type PlainCall, type Runner } from './sql/bind.js';
import { runSync, sqliteSql } from './sql/sqlite-driver.js';
import type { Sql, Steps, Work } from './sql/work.js';
import type { PgTarget } from './sql/postgres-driver.js';
import { Serial } from './sql/serial.js';
import { AccountLines } from './sql/account-lines.js';
import { StoreError } from './errors.js';
import { messageOf } from '../util/error-text.js';

export { StoreError };
export { FencedOut } from './fenced-out.js';
export { SecretBox, loadOrCreateSecretKey, parseSecretKey } from './secret-box.js';
export { ensureDataDir, readMigrations, DATABASE_FILE } from './database.js';
export type { AccountsRepo, AccountRecord } from './accounts-repo.js';
export { UnreadableSession, type SessionsRepo } from './sessions-repo.js';
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
export type { Promised, Issued } from './gate.js';
export type { SeenKeysRepo } from './seen-keys-repo.js';
export type { WebhookEndpointsRepo } from './webhook-endpoints-repo.js';
export type { WebhookDeliveriesRepo } from './webhook-deliveries-repo.js';
export type { EventLogRepo } from './event-log-repo.js';
export type { ApiTokensRepo } from './api-tokens-repo.js';
export type { IdempotencyRepo } from './idempotency-repo.js';
export type { AdminUsersRepo } from './admin-users-repo.js';
export { TIMELINE_KEEP, type TimelineRepo, type TimelineRow } from './timeline-repo.js';
export { isLockTimeout, type FencesRepo, type FenceRaise } from './fences-repo.js';

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
  fences: FencesRepo;
  /** Inbound message keys already handled by one account (iLink exactly-once across restarts); in a transaction too, so a cluster can fence them. */
  seenKeys(account: string): SeenKeysRepo;
}

export interface TransactionOptions<T> {
  /**
   * Called once `fn`'s writes are issued and before they are committed (SQLite's group commit: work
   * it starts meanwhile writes into the same COMMIT; see gate.ts `hold`), or right after the COMMIT
   * where there is no group (PostgreSQL). Nothing it starts may leave the process before the
   * transaction's promise resolves: the writes are not durable until then. `commit` names the COMMIT
   * the writes wait for (the same object for every transaction of one group, so two transactions given
   * the same one are kept or lost together); undefined where they are committed already.
   */
  written?: (value: T, commit?: object) => void;
}

export interface Store extends Repos {
  box: SecretBox;
  /**
   * Reads that do not wait their turn behind this node's other calls (on PostgreSQL the calls of a line run one at a
   * time, src/store/sql/serial.ts, the node's in one line and its accounts' in a few; on SQLite they are the
   * repositories' own). Only for rows this node is not writing at the time: the session of an account as a run of
   * it starts here (the saves of its last run here were awaited when it stopped).
   */
  outOfLine: { sessions: Pick<SessionsRepo, 'load'> };
  /**
   * Run `fn` in one transaction: everything it writes through `tx` commits together or not at all.
   * Other callers wait until it ends (on PostgreSQL, the other calls of its line), so keep network calls out of it.
   *
   * @example
   *   await store.transaction(async (tx) => {
   *     if (await tx.messages.insert(account, m)) await tx.stats.add(account, day, 'received');
   *   });
   */
  transaction<T>(fn: (tx: Repos) => Promise<T>, o?: TransactionOptions<T>): Promise<T>;
  /**
   * SQLite: call `listener` (a microtask later) each time a group commit opens, i.e. whenever writes
   * issued now will share a COMMIT that is due anyway (gate.ts `onOpen`); returns the function that
   * stops it. Absent where there is no group commit (PostgreSQL).
   */
  onGroupOpen?(listener: () => void): () => void;
  /**
   * SQLite: outbound rows written now and answered before their COMMIT, with the COMMIT they wait for (gate.ts
   * `issue`). Absent where there is no group commit (PostgreSQL).
   */
  issued?: { outbound: { enqueue(...row: Parameters<OutboundTable['enqueue']>): Promise<Issued<ReturnType<OutboundTable['enqueue']>>> } };
  /** Whether the database answers (for /readyz). */
  ping(): Promise<boolean>;
  /** Close the connection (SQLite) or the pool (PostgreSQL). */
  close(): Promise<void>;
}

/** The repositories over one database, written once against the port. */
function tables(sql: Sql, box: SecretBox, now: () => number) {
  return {
    accounts: createAccountsRepo(sql, now),
    sessions: createSessionsRepo(sql, box, now),
    kv: createKvRepo(sql, now),
    audit: createAuditRepo(sql, now),
    messages: createMessagesRepo(sql),
    directory: createDirectoryRepo(sql, now),
    outbound: createOutboundRepo(sql),
    pluginSettings: createPluginSettingsRepo(sql, now),
    pluginErrors: createPluginErrorsRepo(sql),
    traces: createTracesRepo(sql),
    stats: createStatsRepo(sql),
    settings: createSettingsRepo(sql, box),
    webhookEndpoints: createWebhookEndpointsRepo(sql, box),
    webhookDeliveries: createWebhookDeliveriesRepo(sql),
    eventLog: createEventLogRepo(sql),
    apiTokens: createApiTokensRepo(sql, now),
    idempotency: createIdempotencyRepo(sql, now),
    adminUsers: createAdminUsersRepo(sql, now),
    timeline: createTimelineRepo(sql),
    fences: createFencesRepo(sql),
    /** One account's seen keys (a repository per account: the iLink client's `SeenStore`). */
    seenKeys: createSeenKeysRepo(sql),
  };
}

type Tables = ReturnType<typeof tables>;

/** The asynchronous view of every table, each call going through `run`. */
function repos(t: Tables, runner: Runner): Repos {
  const bind = <T>(steps: Steps<T>) => bindSteps<T>(steps, runner);
  return {
    accounts: bind(t.accounts),
    sessions: bind(t.sessions),
    kv: bind(t.kv) as KvRepo,
    audit: bind(t.audit),
    messages: bind(t.messages),
    directory: bind(t.directory),
    outbound: bind(t.outbound),
    pluginSettings: bind(t.pluginSettings),
    pluginErrors: bind(t.pluginErrors),
    traces: bind(t.traces),
    stats: bind(t.stats),
    settings: bind(t.settings),
    webhookEndpoints: bind(t.webhookEndpoints),
    webhookDeliveries: bind(t.webhookDeliveries),
    eventLog: bind(t.eventLog),
    apiTokens: bind(t.apiTokens),
    idempotency: bind(t.idempotency),
    adminUsers: bind(t.adminUsers),
    timeline: bind(t.timeline),
    fences: bind(t.fences),
    seenKeys: (account) => bind(t.seenKeys(account)),
  };
}

/**
 * The repositories of one transaction, each made on first use (a transaction touches two or three of them) from a
 * view class made once per store (./sql/bind.ts `viewOf`): the transaction costs an object per repository it touches,
 * not a closure per method.
 */
function transactionRepos(t: Tables): new (runner: Runner) => Repos {
  class TransactionRepos {
    /** The views made so far, by the repository's place in `t`. */
    readonly made: unknown[] = [];
    constructor(readonly runner: Runner) {}
  }
  Object.entries(t).forEach(([name, table], i) => {
    if (typeof table === 'function') {
      // A repository per key (seenKeys): a method, not a cached property.
      Object.defineProperty(TransactionRepos.prototype, name, {
        value(this: TransactionRepos, key: string) {
          return bindSteps(table(key), this.runner);
        },
      });
      return;
    }
    const View = viewOf(table as Steps<object>);
    Object.defineProperty(TransactionRepos.prototype, name, {
      get(this: TransactionRepos) {
        return (this.made[i] ??= new View(this.runner));
      },
    });
  });
  return TransactionRepos as unknown as new (runner: Runner) => Repos;
}

/**
 * The transaction statements, prepared once (a group commit per turn of the event loop runs them often).
 * `beforeCommit` runs inside the transaction just before each COMMIT (the messages of the group go into
 * the full-text index there, in one statement); the event log's rows of the group are written just before
 * every COMMIT, lean ones too (they are the log itself, not derived from other rows), and follow the
 * transaction's savepoints and rollbacks.
 */
function transactionPort(db: Db, beforeCommit: () => void, events: PendingEvents): TransactionPort {
  const begin = db.prepare('begin immediate');
  const commit = db.prepare('commit');
  const rollback = db.prepare('rollback');
  const savepoint = db.prepare('savepoint store_tx');
  const release = db.prepare('release store_tx');
  const rollbackTo = db.prepare('rollback to store_tx');
  const changes = db.prepare<[], number>('select total_changes()').pluck();
  return {
    begin: () => {
      // Rows kept for a transaction SQLite ended by itself (the gate then forgets its group) are not this one's.
      events.clear();
      begin.run();
    },
    commit: () => {
      beforeCommit();
      events.flush();
      commit.run();
    },
    // The index is the next COMMIT's (the rows above its highest entry; a search brings it up to date first, and the
    // settling of the reply that commits lean is such a COMMIT): off the way of a lone message's reply to WeChat
    // (bench/compare's echo path: about 0.1-0.3 ms of CPU per message on a loaded machine).
    commitLean: () => {
      events.flush();
      commit.run();
    },
    rollback: () => {
      events.clear();
      if (db.inTransaction) rollback.run();
    },
    savepoint: () => {
      savepoint.run();
      events.savepoint();
    },
    release: () => {
      release.run();
      events.release();
    },
    rollbackToSavepoint: () => {
      rollbackTo.run();
      release.run();
      events.rollbackToSavepoint();
    },
    inTransaction: () => db.inTransaction,
    // An event row kept for the COMMIT is a write the call made (the gate resolves such a call after the COMMIT).
    changes: () => changes.get()! + events.kept,
  };
}

/**
 * How the repositories of one SQLite transaction run their calls: now rather than a microtask later (one promise per
 * call instead of two; a message makes about eight such calls), and only while the transaction is open.
 */
class SqliteTransaction implements Runner {
  open = true;
  constructor(private readonly db: Db) {}
  steps<R>(work: Work<R>): Promise<R> {
    if (!this.open) return ended();
    try {
      return Promise.resolve(runSync(this.db, work));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
  plain(twin: PlainCall, args: unknown[]): Promise<unknown> {
    if (!this.open) return ended();
    try {
      return Promise.resolve(twin(...args));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
}

/** A call through a transaction's repositories after the transaction ended. */
const ended = (): Promise<never> => Promise.reject(new StoreError('transaction: used after it ended'));

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
  const sql = sqliteSql(db);
  const t = tables(sql, box, options.now ?? Date.now);
  const events = new PendingEvents(sql);
  t.eventLog = withPending(t.eventLog, events);
  const gate = new ConnectionGate(transactionPort(db, () => runSync(db, t.messages.indexPending()), events));
  const TxRepos = transactionRepos(t);
  const atGate: Runner = { steps: (work) => gate.run(() => runSync(db, work)), plain: (twin, args) => gate.run(() => twin(...args)) };
  const ping = db.prepare('select 1 as ok');
  const bound = repos(t, atGate);
  return {
    ...bound,
    outOfLine: { sessions: { load: bound.sessions.load } },
    box,
    transaction(fn, o) {
      // Calls through `tx` run at once: the gate is held for this transaction, and only for it.
      const runner = new SqliteTransaction(db);
      const tx = new TxRepos(runner);
      return gate.hold(() => fn(tx).finally(() => (runner.open = false)), o?.written);
    },
    onGroupOpen: (listener) => gate.onOpen(listener),
    issued: { outbound: { enqueue: (...row) => gate.issue(() => runSync(db, t.outbound.enqueue(...row))) } },
    ping: () => gate.run(() => ping.get() !== undefined),
    close: async () => {
      if (!db.open) return;
      gate.flush();
      // Rows written outside any group (none on the store's own paths) are indexed before closing.
      runSync(db, t.messages.indexPending());
      db.close();
    },
  };
}

/**
 * Open the store on PostgreSQL: connect, migrate (once across nodes starting together), and check
 * the database answers. The key comes from `secretKey` (SECRET_KEY, the same on every node); no key
 * is generated here, since a key on one node's disk would leave the others unable to open sessions.
 *
 * @example
 *   const store = await openPostgresStore({ url: 'postgres://weiroto@db/weiroto', secretKey: process.env.SECRET_KEY! });
 */
export async function openPostgresStore(options: { url: string; secretKey: string | undefined; now?: () => number; poolSize?: number }): Promise<Store> {
  if (!options.secretKey) {
    throw new StoreError('DATABASE_URL needs SECRET_KEY: every node must seal and open sessions with the same key (64 hex characters).');
  }
  const box = new SecretBox(loadOrCreateSecretKey('', options.secretKey));
  // Loaded only here: a node on SQLite (the default) never loads pg.
  const [{ createPool, inTransaction, postgresSql, runAsync, DEFAULT_POOL_SIZE }, { migratePostgres }] = await Promise.all([
    import('./sql/postgres-driver.js'),
    import('./sql/postgres-migrate.js'),
  ]);
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  const pool = createPool(options.url, poolSize);
  // A connection that breaks while idle is reported here and replaced by the pool, instead of crashing the process.
  pool.on('error', () => undefined);
  try {
    await migratePostgres(pool);
  } catch (e) {
    await pool.end();
    throw new StoreError(`Cannot open the PostgreSQL store: ${messageOf(e)}`);
  }
  const sql = postgresSql();
  const t = tables(sql, box, options.now ?? Date.now);
  const TxRepos = transactionRepos(t);
  const anyConnection: PgTarget = { client: pool, pool, depth: -1 };
  const inLine = (line: Serial): Runner => ({ steps: (work) => line.run(() => runAsync(anyConnection, work)) });
  // The panel's and the API's credentials (sign-ins, sessions, tokens) in a line of their own: every request
  // checks one, and it must not wait behind the accounts' writes (3 nodes × 300 accounts coming online kept
  // a token check waiting for seconds). Nothing orders them against those writes.
  const credentials = inLine(new Serial());
  const outOfLine: Runner = { steps: (work) => runAsync(anyConnection, work) };
  // The accounts' lines: a connection each of those left once the node's own line (coordinator, webhooks, panel,
  // API), the credentials' line and out-of-line calls have theirs.
  const accountLines = new AccountLines(poolSize - RESERVED_CONNECTIONS);
  const views = new Map<Serial, Store>();
  const inLineOf = (account: string): Store => {
    const line = accountLines.of(account);
    let view = views.get(line);
    if (!view) views.set(line, (view = onLine(line)));
    return view;
  };
  let closed: Promise<void> | undefined;
  /** The store with its calls in `line`. */
  function onLine(line: Serial): Store {
    const bound = repos(t, inLine(line));
    const store: Store = {
      ...bound,
      // In the account's line, after everything its runtime queued there: nothing it wrote lands after the purge.
      // Its line forgets it then: the account is gone.
      accounts: {
        ...bound.accounts,
        purge: (id) =>
          inLine(accountLines.of(id))
            .steps(t.accounts.purge(id))
            .then(() => accountLines.forget(id)),
      },
      apiTokens: bindSteps(t.apiTokens, credentials),
      adminUsers: bindSteps(t.adminUsers, credentials),
      // Out of line: a node taking accounts over raises their fences at once instead of behind its own traffic
      // (a takeover waits for the raise before anything else). None of this node's calls depends on where a raise
      // falls among them: the account's runtime starts after it, and the row lock orders it after the writes that
      // checked the old token.
      fences: bindSteps(t.fences, outOfLine),
      outOfLine: { sessions: { load: bindSteps(t.sessions, outOfLine).load } },
      box,
      // Other calls of this line wait until it ends, as on SQLite; calls through `tx` run at once.
      transaction: async (fn, o) => {
        const value = await line.run(() =>
          inTransaction(pool, async (target) => {
            let open = true;
            const tx = new TxRepos({ steps: (work) => (open ? runAsync(target, work) : ended()) });
            return fn(tx).finally(() => (open = false));
          }),
        );
        // No group to join here: committed already.
        o?.written?.(value);
        return value;
      },
      // Straight to the pool, not in line: readiness asks whether the database answers, not how busy this node is.
      ping: () =>
        pool.query('select 1 as ok').then(
          (r) => r.rows.length === 1,
          () => false,
        ),
      close: () => (closed ??= pool.end()),
    };
    accountViews.set(store, { inLineOf, forget: (account) => accountLines.forget(account) });
    return store;
  }
  return onLine(new Serial());
}

/** Connections of a PostgreSQL store's pool not given to account lines: its own line, credentials, and two for out-of-line calls. */
const RESERVED_CONNECTIONS = 4;

/** The PostgreSQL stores opened here, each with its accounts' views and a way to forget an account's line. */
const accountViews = new WeakMap<object, { inLineOf: (account: string) => Store; forget: (account: string) => void }>();

/**
 * The store as one account's runtime uses it. On PostgreSQL its calls run in a line of that account's: in the order
 * they were made, beside other accounts' lines (each on its own connection), instead of in one line with every call
 * of the node (src/store/sql/account-lines.ts). The node's own calls stay in the node's line; none of them depends on
 * an account call it did not await (a read sees what was committed; a purge joins the account's line). On SQLite, and
 * for any object this module did not open (a test's copy of a store with some methods replaced), `store` itself.
 *
 * @example const s = inAccountLine(store, 'a1'); await s.transaction((tx) => tx.messages.insert('a1', m));
 */
export function inAccountLine<S extends object>(store: S, account: string): S {
  return (accountViews.get(store)?.inLineOf(account) as S | undefined) ?? store;
}

/**
 * This node is done with a removed account (another node removed it): its line no longer keeps a place for it (a
 * purge here does this itself). Nothing on SQLite, or for an object this module did not open.
 *
 * @example forgetAccountLine(store, 'a1'); // after the account's runtime is closed
 */
export function forgetAccountLine(store: object, account: string): void {
  accountViews.get(store)?.forget(account);
}

/**
 * The store the configuration asks for: PostgreSQL when `databaseUrl` is set, else SQLite in `dataDir`.
 *
 * @example const store = await connectStore({ dataDir: config.dataDir, secretKey: config.secretKey, databaseUrl: config.databaseUrl });
 */
export function connectStore(options: { dataDir: string; secretKey: string | undefined; databaseUrl: string | undefined; now?: () => number }): Promise<Store> {
  const { databaseUrl, ...rest } = options;
  if (databaseUrl) {
    // The database is elsewhere, but DATA_DIR still holds downloaded media: refuse an unwritable one at start, as on SQLite.
    return Promise.resolve()
      .then(() => ensureDataDir(rest.dataDir))
      .then(() => openPostgresStore({ url: databaseUrl, secretKey: rest.secretKey, ...(rest.now && { now: rest.now }) }));
  }
  return Promise.resolve().then(() => openStore(rest));
}
