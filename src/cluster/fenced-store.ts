/**
 * An account's store as its runtime sees it in a cluster: every write runs in a transaction that
 * first reads the account's fence (`account_fences`) and refuses when a newer lease token stands
 * there, or when this node holds no lease. A node paused past its lease (SIGSTOP, a long GC, a
 * network cut) that wakes up after another node raised the fence can therefore write nothing about
 * the account. On PostgreSQL the fence row is read `for share`, so the new holder's raise waits for
 * writes already past their check, and no write passes the check after the raise.
 */
import type { ManagerStore } from '../accounts/index.js';
import { FencedOut, type Repos, type TransactionOptions } from '../store/index.js';

/**
 * The repositories an account's runtime writes its own rows through. The others are the admin's
 * (accounts, plugin settings: an admin on any node may change them; the runtime's one write to its
 * account row, the name it logged in as, goes through the fenced `transaction`), or the whole
 * node's. The iLink seen keys are a repository per account, fenced below.
 */
const ACCOUNT_REPOS = ['sessions', 'kv', 'messages', 'directory', 'outbound', 'stats', 'traces', 'pluginErrors', 'timeline'] as const;

/**
 * Methods of those repositories that only read: they go straight to the store (a stale node reading
 * harms nobody, and an account starting up reads a lot). Every other method, including any added
 * later, is fenced.
 */
const READS = new Set([
  'load',
  'get',
  'list',
  'count',
  'recentChats',
  'contacts',
  'rooms',
  'byIdempotencyKey',
  'findEcho',
  'held',
  'countSentSince',
  'pendingByAccount',
  'countFailedSince',
  'repliesTo',
  'range',
  'countsByPlugin',
  'seen',
]);

type Method = (...args: unknown[]) => Promise<unknown>;

const NO_LEASE = 'this node holds no lease on it (handed over, or its lease was lost)';

/**
 * @param store the account's runtime's store, with the iLink seen keys when the caller has them
 * @param token the account's lease token while this node holds it, else undefined
 */
export function fencedStore<S extends ManagerStore & Partial<Pick<Repos, 'seenKeys'>>>(store: S, account: string, token: () => number | undefined): S {
  const check = async (tx: Repos): Promise<void> => {
    const mine = token();
    if (mine === undefined) throw new FencedOut(account, NO_LEASE);
    const standing = await tx.fences.current(account);
    if (standing > mine) throw new FencedOut(account, `another node took it (fence ${standing}, ours ${mine})`);
  };
  const fenced = <T>(fn: (tx: Repos) => Promise<T>, o?: TransactionOptions<T>): Promise<T> => {
    // No lease at all (handed over, or lost): refused before a transaction is opened. An account's leftover
    // writes after its handover then cost its store line nothing while the node is leaving.
    if (token() === undefined) return Promise.reject(new FencedOut(account, NO_LEASE));
    return store.transaction(async (tx) => {
      await check(tx);
      return fn(tx);
    }, o);
  };
  /** The repository with its writes run in a fenced transaction, through the same repository there. */
  const fencedRepo = <R>(repo: R, inTx: (tx: Repos) => R): R =>
    Object.fromEntries(
      Object.entries(repo as Record<string, Method>).map(([method, fn]) => [
        method,
        READS.has(method) ? fn : (...args: unknown[]) => fenced((tx) => (inTx(tx) as Record<string, Method>)[method]!(...args)),
      ]),
    ) as R;
  const view: Record<string, unknown> = { ...store, transaction: fenced };
  // Its writes would skip the fence check: not offered (the bot then queues through `outbound`, fenced).
  delete view.issued;
  for (const name of ACCOUNT_REPOS) view[name] = fencedRepo(store[name], (tx) => tx[name]);
  const seenKeys = store.seenKeys?.bind(store);
  if (seenKeys) view.seenKeys = (of: string) => fencedRepo(seenKeys(of), (tx) => tx.seenKeys(of));
  return view as unknown as S;
}
