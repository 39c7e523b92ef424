/**
 * The final states of an account's sends (sent, failed), committed in batches: one transaction, and
 * so one COMMIT, for the answers of a burst instead of one per answer (issue 17: each answer's own
 * COMMIT, with its statistic and its `message.sent` row, was the dearest write left on the send path).
 *
 * A batch is committed once `maxSize` records wait, `maxDelayMs` after its first record (a call that
 * WeChat holds does not hold the others' marks), or when the owner says so (`flush`: the outbound
 * queue does whenever the store opens a group commit, so the batch shares a COMMIT that is due
 * anyway, and whenever something waits for a final state: no other send call under way, so a single
 * send waits for nothing; `waitFor`; `idle`). A chat's next row brings the commit forward to a
 * shorter bound (`hurry`): at once, each row of a busy chat would pay a COMMIT of its own.
 *
 * Until its batch commits, a row that reached WeChat is still 'queued' in the store. A crash in that
 * window leaves a row whose hand-over has no recorded outcome, which the queue checks against
 * WeChat's echo before it sends it again (outbound-queue.ts `recovered`): that check, not the order
 * of the writes, is what keeps a message from going out twice.
 */
import type { Clock } from '../util/clock.js';
import type { OutboundRecord } from './outbound-record.js';
import type { OutboundRepo } from '../store/index.js';

export interface SettleBatchOptions {
  /** Write the records' final states (and what follows from them) in one transaction; resolves once committed. */
  commit(records: OutboundRecord[]): Promise<void>;
  clock: Clock;
  /** Records that make a batch commit at once. */
  maxSize: number;
  /** How long the first record of a batch waits at most. */
  maxDelayMs: number;
}

/** Write one settled record's final state through `repo` (the repository of the owner's transaction). */
export function markSettled(repo: OutboundRepo, r: OutboundRecord): Promise<void> {
  if (r.status === 'sent') return repo.markSent(r.id, r.wechatId!, r.sentAt!, r.attempts);
  return repo.markFailed(r.id, r.error!, r.attempts);
}

/** The reason the delay's timer is cancelled with (made once: an abort without one builds a DOMException). */
const FLUSHED = new Error('batch committed');

export class SettleBatch {
  private records: OutboundRecord[] = [];
  /** The commit of the batch being filled, shared by its records: one promise per batch, not per record. */
  private committed: { promise: Promise<void>; resolve(): void; reject(e: unknown): void } | undefined;
  private timer: AbortController | undefined;
  /** When the batch being filled got its first record, and whether `hurry` brought its commit forward. */
  private openedAt = 0;
  private hurried = false;
  private readonly due = (): void => this.flush();

  constructor(private readonly o: SettleBatchOptions) {}

  /** Records waiting for their batch's commit. */
  get size(): number {
    return this.records.length;
  }

  /** Add a settled record; resolves once its batch is committed (rejects when that commit fails). */
  add(record: OutboundRecord): Promise<void> {
    this.records.push(record);
    const batch = (this.committed ??= this.open());
    if (this.records.length >= this.o.maxSize) this.flush();
    return batch.promise;
  }

  /**
   * Commit what waits `ms` after the batch's first record at the latest (at once when that is past), or earlier
   * with a group that opens meanwhile: for a record someone waits for, where committing at once would give each of
   * them a COMMIT of its own.
   */
  hurry(ms: number): void {
    const timer = this.timer;
    if (!timer || this.hurried) return;
    this.hurried = true;
    this.o.clock.sleep(Math.max(0, this.openedAt + ms - this.o.clock.now()), timer.signal).then(this.due, () => {});
  }

  /** Commit what waits, now. */
  flush(): void {
    const batch = this.committed;
    if (!batch) return;
    const records = this.records;
    this.records = [];
    this.committed = undefined;
    this.timer?.abort(FLUSHED);
    this.timer = undefined;
    this.hurried = false;
    this.o.commit(records).then(batch.resolve, batch.reject);
  }

  private open(): { promise: Promise<void>; resolve(): void; reject(e: unknown): void } {
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timer = (this.timer = new AbortController());
    this.openedAt = this.o.clock.now();
    this.o.clock.sleep(this.o.maxDelayMs, timer.signal).then(this.due, () => {});
    return { promise, resolve, reject };
  }
}
