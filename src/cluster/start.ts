/**
 * Join a cluster: two Redis connections (commands; the cluster channel) and the coordinator that
 * places this node's accounts. `close()` hands every account over, then disconnects.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AccountManager } from '../accounts/index.js';
import type { Store } from '../store/index.js';
import { ClusterCoordinator } from './coordinator.js';

export interface ClusterOptions {
  /** REDIS_URL */
  url: string;
  /** NODE_ID */
  node: string;
  /** LEASE_TTL_MS */
  ttlMs: number;
  store: Pick<Store, 'accounts' | 'fences'>;
  log: Logger;
}

export interface RunningCluster {
  coordinator: ClusterCoordinator;
  /** Start placing accounts (after the manager is built: the coordinator runs accounts through it). */
  start(): Promise<void>;
  /** Hand every account over and disconnect. */
  close(): Promise<void>;
}

/**
 * Connect to Redis; the coordinator is ready to fence the manager's accounts (pass it as the
 * manager's `cluster`), and `start` begins placing them.
 */
export async function connectCluster(options: ClusterOptions, managerRef: () => AccountManager): Promise<RunningCluster> {
  // A command fails after one reconnect attempt instead of waiting in an offline queue: a round that
  // cannot reach Redis must know it, so that leases it cannot renew are given up in time.
  const redisOptions = { maxRetriesPerRequest: 1, connectTimeout: 5000, lazyConnect: true } as const;
  const redis = new Redis(options.url, redisOptions);
  const subscriber = new Redis(options.url, redisOptions);
  const log = options.log.child({ ns: 'cluster' });
  for (const r of [redis, subscriber]) r.on('error', (e: unknown) => log.warn({ err: e }, 'cluster: Redis connection problem'));
  await Promise.all([redis.connect(), subscriber.connect()]);
  const coordinator = new ClusterCoordinator({
    redis,
    subscriber,
    node: options.node,
    ttlMs: options.ttlMs,
    get manager() {
      return managerRef();
    },
    enabledAccounts: async () => (await options.store.accounts.list()).filter((a) => a.enabled).map((a) => a.id),
    fences: options.store.fences,
    log: options.log,
  });
  let closing: Promise<void> | undefined;
  return {
    coordinator,
    start: () => coordinator.start(),
    close: () =>
      (closing ??= (async () => {
        await coordinator.leave();
        redis.disconnect();
        subscriber.disconnect();
      })()),
  };
}
