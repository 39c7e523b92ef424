/**
 * An account's store as its runtime sees it in a cluster: every write runs in a transaction that
 * first reads the account's fence (`account_fences`) and refuses when a newer lease token stands
 * there, or when this node holds no lease. A node paused past its lease (SIGSTOP, a long GC, a
 * network cut) that wakes up after another node raised the fence can therefore write nothing about
 * the account. On PostgreSQL the fence row is read `for share`, so the new holder's raise waits for
 * writes already past their check, and no write passes the check after the raise.
 */
import type { ManagerStore } from '../accounts/index.js';
import type { Repos } from '../store/index.js';
import { FencedOut } from './fenced-out.js';

/** The repositories an account's runtime writes its own rows through (the others are the admin's). */
const ACCOUNT_REPOS = ['sessions', 'kv', 'messages', 'directory', 'outbound', 'stats', 'traces', 'pluginErrors'] as const;

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
]);

type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * @param token the account's lease token while this node holds it, else undefined
 */
export function fencedStore(store: ManagerStore, account: string, token: () => number | undefined): ManagerStore {
  const check = async (tx: Repos): Promise<void> => {
    const mine = token();
    if (mine === undefined) throw new FencedOut(account, 'this node holds no lease on it');
    const standing = await tx.fences.current(account);
    if (standing > mine) throw new FencedOut(account, `another node took it (fence ${standing}, ours ${mine})`);
  };
  const fenced = <T>(fn: (tx: Repos) => Promise<T>): Promise<T> =>
    store.transaction(async (tx) => {
      await check(tx);
      return fn(tx);
    });
  const view: Record<string, unknown> = { ...store, transaction: fenced };
  for (const name of ACCOUNT_REPOS) {
    const repo = store[name] as unknown as Record<string, Method>;
    view[name] = Object.fromEntries(
      Object.keys(repo).map((method) => [
        method,
        READS.has(method) ? repo[method]! : (...args: unknown[]) => fenced((tx) => (tx[name] as unknown as Record<string, Method>)[method]!(...args)),
      ]),
    );
  }
  return view as unknown as ManagerStore;
}
