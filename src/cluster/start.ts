/**
 * Join a cluster: two Redis connections (commands; the cluster channel) and the coordinator that
 * places this node's accounts. `close()` hands every account over, then disconnects.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AccountManager } from '../accounts/index.js';
import type { Store } from '../store/index.js';
import { ClusterCoordinator } from './coordinator.js';
import { LeaseStore } from './lease-store.js';
import { bullConnection } from './bull.js';
import { SendRouting } from './send-routing.js';
import { WebhookJobs } from './webhook-jobs.js';
import { endpointSlots } from './endpoint-slots.js';
import { systemClock } from '../util/clock.js';

export interface ClusterOptions {
  /** REDIS_URL */
  url: string;
  /** NODE_ID */
  node: string;
  /** LEASE_TTL_MS */
  ttlMs: number;
  /** JOIN_WAIT_MS (default 0: no waiting for nodes starting together) */
  joinWaitMs?: number;
  store: Pick<Store, 'accounts' | 'fences' | 'transaction' | 'outbound'>;
  log: Logger;
  /** Webhook deliveries: the longest a request may take (a slot outlives it), and how many run at once per endpoint. */
  webhookTimeoutMs?: number;
}

export interface RunningCluster {
  coordinator: ClusterCoordinator;
  /** Webhook deliveries as jobs on any node (for the webhook service). */
  webhookJobs: WebhookJobs;
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
  const bull = bullConnection(options.url);
  bull.on('error', (e: unknown) => log.warn({ err: e }, 'cluster: Redis connection problem (queues)'));
  const sends = new SendRouting({
    connection: bull,
    node: options.node,
    store: options.store,
    leases: new LeaseStore(redis, options.node, options.ttlMs),
    manager: managerRef,
    clock: systemClock,
    log,
  });
  const webhookTimeoutMs = options.webhookTimeoutMs ?? 15_000;
  const webhookJobs = new WebhookJobs({
    connection: bull,
    node: options.node,
    // A slot lives while its node renews it (a dead node's frees after a lease), renewed for twice the longest request at most.
    slots: endpointSlots(redis, { ttlMs: options.ttlMs, maxMs: 2 * webhookTimeoutMs }),
    lockMs: options.ttlMs,
    concurrency: 32,
    log,
  });
  const coordinator = new ClusterCoordinator({
    redis,
    subscriber,
    node: options.node,
    ttlMs: options.ttlMs,
    ...(options.joinWaitMs !== undefined && { joinWaitMs: options.joinWaitMs }),
    get manager() {
      return managerRef();
    },
    enabledAccounts: async () => {
      // The manager learns the accounts created on other nodes too: any node's API and panel accept
      // sends for every account (routed to the node that runs it).
      const [rows] = await Promise.all([options.store.accounts.list(), managerRef().refresh()]);
      return rows.filter((a) => a.enabled).map((a) => a.id);
    },
    fences: options.store.fences,
    log: options.log,
    sends,
  });
  let closing: Promise<void> | undefined;
  return {
    coordinator,
    webhookJobs,
    start: async () => {
      sends.start();
      await coordinator.start();
    },
    close: () =>
      (closing ??= (async () => {
        // No new deliveries here while the accounts are handed over: their writes would wait in this node's store
        // line ahead of the handover's (another node runs them).
        await Promise.all([coordinator.leave(), webhookJobs.stopWorking()]);
        // Deliveries running here finish first: a webhook's reply is a send, routed through the send queues.
        await webhookJobs.close();
        await sends.close();
        redis.disconnect();
        subscriber.disconnect();
        bull.disconnect();
      })()),
  };
}
