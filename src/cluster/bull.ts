/**
 * BullMQ on the cluster's Redis: one connection for every queue and worker of this node (BullMQ
 * duplicates it for each worker's blocking reads), and the names of the queues, all under the
 * `weiroto:bull` prefix. BullMQ is loaded with the cluster layer only (REDIS_URL).
 */
import { Redis } from 'ioredis';

export const BULL_PREFIX = 'weiroto:bull';

export const queueNames = {
  /** Webhook deliveries: one job per (endpoint, chat) queue's head that is due; every node works on it. */
  webhooks: 'webhook-deliveries',
  /** Sends routed to one node: a job per send accepted elsewhere for an account this node runs. */
  sends: (node: string) => `sends.${node}`,
};

/**
 * BullMQ wants commands retried until Redis answers (`maxRetriesPerRequest: null`), unlike the
 * lease connection, which must fail fast: while Redis is away, adding a job waits for it.
 */
export function bullConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectTimeout: 5000 });
}
