/**
 * The delivery loop. It takes the head of every (endpoint, chat) queue that is due, at most
 * `concurrency` per endpoint and never two of one chat at once, POSTs it signed, and records the
 * attempt. Failures back off exponentially with jitter until the row's give-up time (dead letter);
 * a circuit breaker rests failing endpoints. Rows caught mid-flight by a crash are sent again at the
 * next start (at-least-once; the webhook id stays the same).
 */
import type { Logger } from '../logger.js';
import type { Clock } from '../util/clock.js';
import type { WebhookDeliveriesRepo, WebhookEndpointsRepo } from '../store/index.js';
import type { WebhookDelivery, WebhookEndpoint } from './records.js';
import { CircuitBreakers, backoffMs, retryAfterMs, type BreakerOptions, type RetryOptions } from './breaker.js';
import { signedHeaders } from './signature.js';
import { parseReply, type WebhookReply } from './reply.js';
import { guardedPost } from './safe-fetch.js';
import { FetchRefusedError } from '../util/outbound-guard.js';
import type { DeliveryFormat, DeliveryFormats } from './format.js';
import { messageOf } from '../util/error-text.js';

export interface WorkerOptions {
  /** Deliveries in flight per endpoint (default 4). */
  concurrency: number;
  /** Per-request timeout (default 15 s). */
  timeoutMs: number;
  /** Longest idle sleep; rows written by another process are seen within this (default 1 s). */
  pollMs: number;
  /** On stop, how long in-flight requests may finish before they are cut (default 5 s). */
  graceMs: number;
  retry: RetryOptions;
  breaker: BreakerOptions;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  concurrency: 4,
  timeoutMs: 15_000,
  pollMs: 1000,
  graceMs: 5000,
  retry: { baseMs: 2000, maxMs: 3_600_000, maxAgeMs: 86_400_000 },
  breaker: { threshold: 5, cooldownMs: 10_000, maxCooldownMs: 300_000 },
};

export interface WorkerDeps {
  deliveries: WebhookDeliveriesRepo;
  endpoints: WebhookEndpointsRepo;
  clock: Clock;
  log: Logger;
  /** Let endpoint URLs set through the API reach private addresses (API_ALLOW_PRIVATE_URLS). */
  allowPrivateUrls?: boolean;
  /** Called with a reply found in a 2xx answer; an error is recorded in the attempt log. */
  onReply(delivery: WebhookDelivery, reply: WebhookReply): Promise<void>;
  options: WorkerOptions;
  /** Formats other than Standard Webhooks, by endpoint `format`. */
  formats?: DeliveryFormats;
  /** In a cluster: deliveries run as jobs on any node instead of in this loop. */
  jobs?: DeliveryJobs;
}

/**
 * Cluster (REDIS_URL): each due head of an (endpoint, chat) queue becomes a BullMQ job that any node
 * runs (src/cluster/webhook-jobs.ts). This loop still finds the due heads; the job runs `deliverJob`.
 */
export interface DeliveryJobs {
  /** Queue a job per due head (one job per row and attempt, so a row is never run twice at once). */
  add(rows: WebhookDelivery[]): Promise<void>;
  /** Work on the queue, each job through this worker's `deliverJob`. */
  start(worker: DeliveryWorker): void;
}

/** Deliveries in flight per endpoint over the whole cluster (a slot per delivery, given back after it, or expiring). */
export interface EndpointSlots {
  /** A slot's token, or undefined when `limit` deliveries to the endpoint are in flight. */
  acquire(endpointId: string, limit: number): Promise<string | undefined>;
  release(endpointId: string, token: string): Promise<void>;
}

/**
 * Cluster: a row 'delivering' for this long has lost its job (Redis lost its data): no delivery lasts
 * near it (a request times out after `timeoutMs`), and a dead node's job is taken over after a lease.
 */
export const STALE_DELIVERING_MS = 10 * 60_000;

const LOG_BYTES = 1024;
const READ_BYTES = 64 * 1024;

/** The start of an answer for the attempt log; nothing from a guarded (API-set) URL. */
/** A URL an API token holder set is guarded on every connection; the panel's and WEBHOOK_URL's are the admin's. */
function isGuarded(ep: WebhookEndpoint): boolean {
  return ep.source === 'api';
}

function logged(guarded: boolean, text: string): { response?: string } {
  return !guarded && text ? { response: text.slice(0, LOG_BYTES) } : {};
}

export class DeliveryWorker {
  private readonly breakers: CircuitBreakers;
  private readonly inflight = new Map<number, Promise<void>>();
  private readonly perEndpoint = new Map<string, number>();
  private wakeController = new AbortController();
  private hardStop = new AbortController();
  private running = false;
  private stopping = false;

  constructor(private readonly deps: WorkerDeps) {
    this.breakers = new CircuitBreakers(deps.options.breaker);
  }

  /** New rows or a redelivery: look again now instead of at the next poll. */
  wake(): void {
    this.wakeController.abort();
  }

  /** Endpoint breaker state, for the panel. */
  breakerState(endpointId: string): 'closed' | 'open' | 'half-open' {
    return this.breakers.state(endpointId, this.deps.clock.now());
  }

  /** Deliver until the signal aborts, then let in-flight requests finish (up to graceMs). */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error('The webhook worker is already running.');
    this.running = true;
    this.hardStop = new AbortController();
    const { deliveries, clock, log, options } = this.deps;
    // In a cluster a row left 'delivering' is another live node's, or its job stalled when its node
    // died and BullMQ gives it to another node: nothing to put back here.
    const recovered = this.deps.jobs ? 0 : await deliveries.recover(clock.now());
    if (recovered) log.info({ recovered }, 'webhook deliveries interrupted by a stop or crash are queued again');
    this.deps.jobs?.start(this);
    let lastPrune = 0;
    let lastStaleCheck = 0;
    try {
      while (!signal.aborted) {
        const now = clock.now();
        if (this.deps.jobs && now - lastStaleCheck >= 60_000) {
          lastStaleCheck = now;
          const stale = await deliveries.releaseStale(now - STALE_DELIVERING_MS, now);
          if (stale) log.warn({ stale }, 'webhook deliveries left delivering without a job are queued again');
        }
        if (now - lastPrune > 3_600_000) {
          lastPrune = now;
          const pruned = await deliveries.prune(now - 7 * 86_400_000, now - 30 * 86_400_000);
          if (pruned) log.debug({ pruned }, 'old webhook deliveries pruned');
        }
        // A fresh wake signal before scanning, so a wake during the scan is not lost.
        this.wakeController = new AbortController();
        // Heads that are due but could not start (concurrency, open circuit) wait for a wake:
        // a finished delivery wakes the loop, and the breaker's reopen time bounds the sleep.
        const due = await this.dispatch(now);
        const reopen = this.breakers.nextReopenAt(now);
        let wait = options.pollMs;
        if (due !== undefined) wait = Math.min(wait, due - now);
        if (reopen !== undefined) wait = Math.min(wait, reopen - now);
        try {
          await clock.sleep(Math.max(1, wait), AbortSignal.any([signal, this.wakeController.signal]));
        } catch {
          /* woken or stopped */
        }
      }
    } finally {
      this.stopping = true;
      await this.drain(options.graceMs);
      this.running = false;
      this.stopping = false;
    }
  }

  private async drain(graceMs: number): Promise<void> {
    if (this.inflight.size === 0) return;
    const all = Promise.allSettled([...this.inflight.values()]);
    const timer = setTimeout(() => this.hardStop.abort(), graceMs);
    try {
      await all;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Start every head that may go now; returns when the next head in back-off becomes due. */
  private async dispatch(now: number): Promise<number | undefined> {
    const { deliveries, endpoints, options } = this.deps;
    const heads = await deliveries.pendingHeads(5000);
    if (this.deps.jobs) return this.dispatchJobs(this.deps.jobs, heads, now);
    let nextDue: number | undefined;
    const eps = new Map<string, WebhookEndpoint | undefined>();
    const chosen: (WebhookDelivery & { body: string })[] = [];
    for (const h of heads) {
      if (!eps.has(h.endpointId)) eps.set(h.endpointId, await endpoints.get(h.endpointId));
      const ep = eps.get(h.endpointId);
      if (!ep || !ep.enabled) continue; // paused endpoints keep their queue
      if (h.nextAt > now) {
        nextDue = nextDue === undefined ? h.nextAt : Math.min(nextDue, h.nextAt);
        continue;
      }
      if ((this.perEndpoint.get(h.endpointId) ?? 0) >= options.concurrency) continue;
      if (!this.breakers.tryAcquire(h.endpointId, now)) {
        if (h.giveUpAt <= now) {
          await deliveries.markDead(h.id, h.lastStatus, `gave up: the endpoint kept failing (${h.lastError ?? 'circuit open'})`, now);
        }
        continue;
      }
      chosen.push(h);
      this.perEndpoint.set(h.endpointId, (this.perEndpoint.get(h.endpointId) ?? 0) + 1);
    }
    // The claim is the arbiter: a head another path (continueChat) took meanwhile is no longer pending.
    const claimed = new Set(
      await deliveries.claim(
        chosen.map((c) => c.id),
        now,
      ),
    );
    for (const row of chosen) {
      const ep = eps.get(row.endpointId)!;
      if (!claimed.has(row.id)) {
        this.finish(row.endpointId);
        this.breakers.release(row.endpointId);
        continue;
      }
      this.launch(ep, row);
    }
    return nextDue;
  }

  /** Cluster: a job for every due head of an enabled endpoint; returns when the next head in back-off becomes due. */
  private async dispatchJobs(jobs: DeliveryJobs, heads: WebhookDelivery[], now: number): Promise<number | undefined> {
    let nextDue: number | undefined;
    const enabled = new Map<string, boolean>();
    const due: WebhookDelivery[] = [];
    for (const h of heads) {
      if (!enabled.has(h.endpointId)) enabled.set(h.endpointId, (await this.deps.endpoints.get(h.endpointId))?.enabled === true);
      if (!enabled.get(h.endpointId)) continue;
      if (h.nextAt > now) nextDue = Math.min(nextDue ?? Infinity, h.nextAt);
      else due.push(h);
    }
    if (due.length) await jobs.add(due);
    return nextDue;
  }

  /**
   * Cluster: run one delivery job on this node. The row is pending (claimed here), or 'delivering'
   * when the node that ran its job died mid-delivery (BullMQ found the job stalled): then it is
   * delivered again from here, with the same webhook id. The breaker (this node's) and the endpoint's
   * slots (the cluster's) decide as the loop does; a row that may not go now goes back to pending and
   * is queued again by the next scan.
   */
  async deliverJob(id: number, slots: EndpointSlots): Promise<void> {
    const { deliveries, endpoints, clock, options } = this.deps;
    const row = await deliveries.get(id);
    if (!row || (row.status !== 'pending' && row.status !== 'delivering')) return;
    const now = clock.now();
    if (row.status === 'pending' && row.nextAt > now) return;
    const giveBack = async (): Promise<void> => {
      if (row.status === 'delivering') await deliveries.release(id, now, now);
    };
    const ep = await endpoints.get(row.endpointId);
    if (!ep?.enabled) return giveBack();
    if (!this.breakers.tryAcquire(ep.id, now)) {
      if (row.giveUpAt <= now) return deliveries.markDead(id, row.lastStatus, `gave up: the endpoint kept failing (${row.lastError ?? 'circuit open'})`, now);
      return giveBack();
    }
    const slot = await slots.acquire(ep.id, options.concurrency);
    if (slot === undefined) {
      this.breakers.release(ep.id);
      return giveBack();
    }
    try {
      if (row.status === 'pending' && (await deliveries.claim([id], now)).length === 0) return this.breakers.release(ep.id);
      await this.deliver(ep, row).catch(async (e: unknown) => {
        // Not recorded (the store failed?): back to pending for the next scan rather than left 'delivering'.
        await deliveries.release(id, clock.now(), clock.now()).catch(() => {});
        throw e;
      });
    } finally {
      await slots.release(ep.id, slot);
      // The chat's next row (or a head that waited for the slot) goes now.
      this.wake();
    }
  }

  private launch(ep: WebhookEndpoint, row: WebhookDelivery & { body: string }): void {
    const p = this.deliver(ep, row)
      .catch((e: unknown) => this.deps.log.error({ err: e, delivery: row.id }, 'webhook delivery crashed'))
      // Keep the slot for the same chat's next row when it is due (a cheap seek); only a
      // drained or backing-off chat hands the slot back to the loop's full scan.
      .then(() => this.continueChat(ep.id, row.chatKey))
      .catch((e: unknown) => {
        this.deps.log.error({ err: e, delivery: row.id }, 'webhook: the next delivery of the chat could not start');
        return false;
      })
      .then((continued) => {
        this.inflight.delete(row.id);
        if (!continued) {
          this.finish(row.endpointId);
          this.wake();
        }
      });
    this.inflight.set(row.id, p);
  }

  /** Start the next row of a chat in the slot a finished delivery left; false when there is none to start. */
  private async continueChat(endpointId: string, chatKey: string): Promise<boolean> {
    const stopped = (): boolean => this.hardStop.signal.aborted || !this.running || this.stopping;
    if (stopped()) return false;
    const { deliveries, endpoints, clock } = this.deps;
    const now = clock.now();
    const next = await deliveries.head(endpointId, chatKey);
    if (!next || next.status !== 'pending' || next.nextAt > now) return false;
    const ep = await endpoints.get(endpointId);
    if (!ep || !ep.enabled || !this.breakers.tryAcquire(endpointId, now)) return false;
    if ((await deliveries.claim([next.id], now)).length === 0) {
      this.breakers.release(endpointId);
      return false;
    }
    if (stopped()) {
      // A stop began while the row was being claimed: hand it back untouched, it goes at the next start.
      await deliveries.release(next.id, now, now);
      this.breakers.release(endpointId);
      return false;
    }
    this.launch(ep, next);
    return true;
  }

  private finish(endpointId: string): void {
    const n = (this.perEndpoint.get(endpointId) ?? 1) - 1;
    if (n <= 0) this.perEndpoint.delete(endpointId);
    else this.perEndpoint.set(endpointId, n);
  }

  private async deliver(ep: WebhookEndpoint, row: WebhookDelivery & { body: string }): Promise<void> {
    const { deliveries, endpoints, clock, options, log } = this.deps;
    const started = clock.now();
    const format: DeliveryFormat | undefined = ep.format === 'standard' ? undefined : this.deps.formats?.[ep.format];
    let request: { headers: Record<string, string>; body: string | Buffer };
    try {
      if (ep.format !== 'standard' && !format) throw new Error(`the ${ep.format} format is not available in this process`);
      request = format
        ? await format.build(row, ep)
        : {
            headers: {
              ...signedHeaders(await endpoints.signingSecrets(ep.id, started), row.webhookId, Math.floor(started / 1000), row.body),
              'content-type': 'application/json',
            },
            body: row.body,
          };
    } catch (e) {
      // The event cannot be written (its account is gone, its media cannot be read): retried like a failed attempt.
      return this.failed(ep, row, { durationMs: 0, error: `request not built: ${messageOf(e)}` });
    }
    let status: number | undefined;
    let text = '';
    let error: string | undefined;
    let retryAfter: number | undefined;
    const t0 = performance.now();
    const timeout = AbortSignal.timeout(options.timeoutMs);
    // A URL an API token holder set is guarded on every connection, and what it answers is not
    // logged (the log is readable through the API); the panel's and WEBHOOK_URL's are the admin's.
    const guarded = isGuarded(ep);
    try {
      const res = await guardedPost(ep.url, {
        headers: { ...request.headers, 'user-agent': 'weiroto-webhooks' },
        body: request.body,
        allowPrivate: !guarded || (this.deps.allowPrivateUrls ?? false),
        signal: AbortSignal.any([this.hardStop.signal, timeout]),
        maxBytes: READ_BYTES,
      });
      status = res.status;
      const after = res.headers['retry-after'];
      retryAfter = retryAfterMs(typeof after === 'string' ? after : null, clock.now());
      text = res.text;
    } catch (e) {
      if (this.hardStop.signal.aborted) {
        // Cut by a stop: not the receiver's fault, so no attempt is counted.
        await deliveries.release(row.id, clock.now(), clock.now());
        this.breakers.release(ep.id);
        return;
      }
      const err = e as Error & { code?: string };
      error = timeout.aborted ? `timed out after ${options.timeoutMs} ms` : e instanceof FetchRefusedError ? err.message : (err.code ?? err.message);
    }
    const durationMs = Math.round(performance.now() - t0);
    const at = clock.now();
    const ok = status !== undefined && status >= 200 && status < 300;
    if (ok) {
      this.breakers.success(ep.id);
      let note: string | undefined;
      const found = format ? undefined : parseReply(text);
      if (format) {
        try {
          note = await format.onAnswer(row, ep, text);
        } catch (e) {
          note = `answer not handled: ${messageOf(e)}`;
          log.warn({ delivery: row.id, err: e }, 'webhook answer not handled');
        }
      } else if (found && 'error' in found) note = `reply ignored: ${found.error}`;
      else if (found) {
        try {
          await this.deps.onReply(row, found.reply);
        } catch (e) {
          note = `reply not sent: ${messageOf(e)}`;
          log.warn({ delivery: row.id, err: e }, 'webhook reply not sent');
        }
      }
      await deliveries.recordAttempt({ deliveryId: row.id, at, statusCode: status!, durationMs, ...logged(guarded, text), ...(note && { error: note }) });
      await deliveries.markDelivered(row.id, status!, at);
      return;
    }
    await this.failed(ep, row, {
      durationMs,
      ...(status !== undefined && { status }),
      ...(error && { error }),
      text,
      retry: status === undefined || !format || format.retryAnswered,
      retryAfter,
    });
  }

  /** Record a failed attempt, then schedule the next one or dead-letter the row. */
  private async failed(
    ep: WebhookEndpoint,
    row: WebhookDelivery,
    a: { durationMs: number; status?: number; error?: string; text?: string; retry?: boolean; retryAfter?: number | undefined },
  ): Promise<void> {
    const { deliveries, clock, options, log } = this.deps;
    const { status, text, retryAfter } = a;
    const at = clock.now();
    this.breakers.failure(ep.id, at);
    const why = a.error ?? `HTTP ${status}`;
    await deliveries.recordAttempt({
      deliveryId: row.id,
      at,
      ...(status !== undefined && { statusCode: status }),
      durationMs: a.durationMs,
      ...logged(isGuarded(ep), text ?? ''),
      error: why,
    });
    if (a.retry === false) {
      await deliveries.markDead(row.id, status, `answered ${why}; this format is retried only when no answer arrived`, at);
      return;
    }
    const next =
      at +
      Math.max(
        backoffMs(row.attempts + 1, options.retry, () => clock.random()),
        Math.min(retryAfter ?? 0, options.retry.maxMs),
      );
    if (next > row.giveUpAt) {
      await deliveries.markDead(row.id, status, `gave up after ${row.attempts + 1} attempts: ${why}`, at);
      log.warn({ delivery: row.id, endpoint: ep.id, why }, 'webhook delivery dead-lettered');
    } else {
      await deliveries.markRetry(row.id, next, status, why, at);
    }
  }
}
