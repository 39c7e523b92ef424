/**
 * Webhook deliveries as BullMQ jobs (queue `webhook-deliveries`), worked on by every node. The store's
 * row stays the record (attempts, dead letters, what the panel and the API show); a job carries the
 * row's id. Each node's delivery loop scans the due heads of the (endpoint, chat) queues and adds a
 * job per head, with the id `d<row>-a<attempts>`: nodes scanning at once add one job, a row has one
 * job per attempt, and only heads get jobs, so a chat's rows go one at a time in order. Retries,
 * back-off, dead-lettering and the circuit breaker are the worker's, as on one node
 * (`DeliveryWorker.deliverJob`); per-endpoint concurrency is counted cluster-wide (endpoint-slots.ts).
 *
 * A node killed mid-delivery leaves its job active with a lock it no longer renews: after the lock's
 * time BullMQ finds the job stalled and gives it to another node, which delivers the row again
 * (same webhook id) instead of leaving it 'delivering'.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BULL_PREFIX, queueNames } from './bull.js';
import type { EndpointSlots } from './endpoint-slots.js';

interface DeliveryJob {
  id: number;
}

/**
 * The webhook layer's side, as it looks from here (src/webhook/worker.ts `DeliveryJobs`; the cluster
 * does not import the webhook layer): the rows it hands over, and the worker that runs a job.
 */
interface DueRow {
  id: number;
  attempts: number;
}
interface JobRunner {
  deliverJob(id: number, slots: EndpointSlots): Promise<void>;
}

export interface WebhookJobsOptions {
  connection: Redis;
  /** This node's id: BullMQ records it on each job it runs (`processedBy`). */
  node: string;
  slots: EndpointSlots;
  /** A job whose node stopped renewing its lock for this long is given to another node (BullMQ's lockDuration). */
  lockMs: number;
  /** Jobs run at once on this node. */
  concurrency: number;
  log: Logger;
}

export class WebhookJobs {
  private readonly queue: Queue<DeliveryJob>;
  private worker: Worker<DeliveryJob> | undefined;
  private closed = false;

  constructor(private readonly o: WebhookJobsOptions) {
    this.queue = new Queue<DeliveryJob>(queueNames.webhooks, { connection: o.connection, prefix: BULL_PREFIX });
  }

  async add(rows: DueRow[]): Promise<void> {
    if (this.closed) return;
    await this.queue.addBulk(
      rows.map((r) => ({
        name: 'deliver',
        data: { id: r.id },
        opts: { jobId: `d${r.id}-a${r.attempts}`, removeOnComplete: true, removeOnFail: true },
      })),
    );
  }

  start(worker: JobRunner): void {
    if (this.worker || this.closed) return;
    const { lockMs } = this.o;
    this.worker = new Worker<DeliveryJob>(queueNames.webhooks, (job) => worker.deliverJob(job.data.id, this.o.slots), {
      connection: this.o.connection,
      prefix: BULL_PREFIX,
      name: this.o.node,
      concurrency: this.o.concurrency,
      lockDuration: lockMs,
      stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
      // A job stalls once per node death; a few in a row is a cluster in trouble, not a bad job.
      maxStalledCount: 10,
    });
    this.worker.on('error', (e) => this.o.log.warn({ err: e }, 'webhooks: queue worker problem'));
    this.worker.on('failed', (job, e) =>
      this.o.log.warn({ err: e, delivery: job?.data.id }, 'webhooks: a delivery job failed; the row is queued again by the next scan'),
    );
  }

  /** Take no more jobs here (the other nodes run them) and let those running here finish. */
  async stopWorking(): Promise<void> {
    this.closed = true;
    await this.worker?.close();
  }

  /** Let the jobs running here finish, then stop taking more. */
  async close(): Promise<void> {
    await this.stopWorking();
    await this.queue.close();
  }
}
