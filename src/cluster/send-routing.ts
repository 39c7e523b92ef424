/**
 * Sends in a cluster. Each node has a BullMQ queue of its own (`sends.<node>`) that only it works
 * on. A send accepted by a node that does not run the account (API, panel, a webhook's reply) is
 * committed to the shared outbound table there, then a job naming the row goes to the queue of the
 * node holding the account's lease; that node's worker hands the row to the account's outbound
 * queue (`adopt`), which sends it as if accepted there (order per chat, pacing, retries, the fence).
 *
 * Why the row is looked up after its commit: a node that takes the account later loads every queued
 * row when the account starts there, after taking the lease, so a row committed before the holder
 * was read is either routed to the holder read or loaded by every later one. A job that reaches a
 * node that no longer runs the account is therefore dropped: the account's next holder has the row.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AccountManager, NewOutbound, OutboundRecord, SendRouter } from '../accounts/index.js';
import type { Store } from '../store/index.js';
import { dayOf } from '../util/day.js';
import type { Clock } from '../util/clock.js';
import type { LeaseStore } from './lease-store.js';
import { BULL_PREFIX, queueNames } from './bull.js';

interface SendJob {
  account: string;
  id: string;
}

export interface SendRoutingDeps {
  connection: Redis;
  node: string;
  store: Pick<Store, 'transaction' | 'outbound'>;
  leases: LeaseStore;
  manager: () => AccountManager;
  clock: Clock;
  log: Logger;
  /** How long `route` waits for the job to reach Redis before it answers anyway (the row is committed). */
  routeWaitMs?: number;
}

/** A routed row's state is read this often while a caller waits for it (the holder settles it elsewhere). */
const POLL_MS = 200;

export class SendRouting {
  private readonly queues = new Map<string, Queue<SendJob>>();
  private worker: Worker<SendJob> | undefined;
  private closed = false;

  constructor(private readonly deps: SendRoutingDeps) {}

  /** Work on this node's queue. */
  start(): void {
    this.worker = new Worker<SendJob>(queueNames.sends(this.deps.node), (job) => this.adopt(job), {
      connection: this.deps.connection,
      prefix: BULL_PREFIX,
      concurrency: 16,
    });
    this.worker.on('error', (e) => this.deps.log.warn({ err: e }, 'sends: queue worker problem'));
  }

  /** The router an account's bot uses; `local` says whether this node holds the account now. */
  router(account: string, local: () => boolean): SendRouter {
    return {
      local,
      route: (row, o) => this.route(account, row, o.replied),
      waitFor: (id, timeoutMs, o) => this.waitFor(id, timeoutMs, o.untilHeld === true),
    };
  }

  /** Stop working on this node's queue (after the accounts were handed over) and drop it: the holders have its rows. */
  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.close();
    const own = this.queue(queueNames.sends(this.deps.node));
    await own.obliterate({ force: true }).catch((e: unknown) => this.deps.log.warn({ err: e }, 'sends: could not drop this node’s queue'));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }

  private async route(account: string, row: NewOutbound, replied: boolean): Promise<OutboundRecord> {
    const { store, clock } = this.deps;
    const { record, created } = await store.transaction(async (tx) => {
      const r = await tx.outbound.enqueue(row);
      if (r.created && replied) await tx.stats.add(account, dayOf(clock.now()), 'replied');
      return r;
    });
    if (!created) return record;
    const holder = (await this.deps.leases.holders([account]).catch(() => undefined))?.get(account);
    // Nobody holds the account: whoever takes it loads the row.
    if (!holder || this.closed) return record;
    const added = this.queue(queueNames.sends(holder.node))
      .add(
        'send',
        { account, id: record.id },
        { jobId: `send-${record.id}`, removeOnComplete: true, removeOnFail: true, attempts: 5, backoff: { type: 'exponential', delay: 500 } },
      )
      .catch((e: unknown) => this.deps.log.warn({ err: e, account, id: record.id }, 'sends: could not route a send; it goes when the account next starts'));
    // Redis away: the row is committed (durable); the job reaches Redis when it is back.
    const timer = new AbortController();
    await Promise.race([added.finally(() => timer.abort()), clock.sleep(this.deps.routeWaitMs ?? 2000, timer.signal).catch(() => {})]);
    return record;
  }

  /** A job for this node: queue the row if the account runs here (else its next holder loads it). */
  private async adopt(job: Job<SendJob>): Promise<void> {
    const { account, id } = job.data;
    const manager = this.deps.manager();
    if (!manager.runsHere(account)) {
      this.deps.log.debug({ account, id }, 'sends: a routed send for an account no longer run here (its holder loads it)');
      return;
    }
    await manager.get(account)?.queue.adopt(id);
  }

  private async waitFor(id: string, timeoutMs: number, untilHeld: boolean): Promise<OutboundRecord> {
    const { store, clock } = this.deps;
    const until = clock.now() + timeoutMs;
    for (;;) {
      const r = await store.outbound.get(id);
      if (!r) throw new Error(`No outbound message ${id}`);
      const settled = r.status === 'sent' || r.status === 'failed' || (untilHeld && r.status === 'waiting-for-user');
      if (settled || clock.now() >= until) return r;
      await clock.sleep(Math.min(POLL_MS, until - clock.now()));
    }
  }

  private queue(name: string): Queue<SendJob> {
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = new Queue<SendJob>(name, { connection: this.deps.connection, prefix: BULL_PREFIX })));
    return q;
  }
}
