/**
 * The deadlines of a session's small requests (connection-pool.ts) under one timer. A timer per
 * request was a `Timeout` made, linked into node's timer list and unlinked again for every request,
 * nearly all of which are answered long before their deadline (issue 17: one per echo, and with it
 * the list of its duration made and dropped whenever the pool went idle). Here a request's deadline
 * is a number and its entry in a set; the one timer runs when the earliest deadline it knew of is
 * due, cuts what is past its deadline, and is set again for the earliest left.
 *
 * The timer is unref'd: a request under way keeps the process alive by its socket (a queued one, by
 * the sockets it waits for), as node:http's requests did.
 */
import { performance } from 'node:perf_hooks';

export interface Timed {
  /** When it is due, on `performance.now()`'s clock. */
  readonly deadline: number;
}

export class Deadlines<T extends Timed> {
  private readonly live = new Set<T>();
  private timer: NodeJS.Timeout | undefined;
  /** When the timer runs (Infinity: none set). */
  private at = Infinity;
  private readonly onTimer = (): void => this.sweep();

  constructor(private readonly expired: (x: T) => void) {}

  /** The time the deadlines are counted on. */
  static now(): number {
    return performance.now();
  }

  add(x: T): void {
    this.live.add(x);
    if (x.deadline < this.at) this.arm(x.deadline);
  }

  /** `x` ended before its deadline. The timer is left as it is: it finds nothing due, or what came since. */
  delete(x: T): void {
    this.live.delete(x);
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.at = at;
    // Node's timers count from the loop's time, which may lag `now()`: one that runs early is set again.
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(at - Deadlines.now())));
    this.timer.unref();
  }

  /** The timer's work: cut what is due, set the timer for the earliest deadline left. */
  private sweep(): void {
    this.timer = undefined;
    this.at = Infinity;
    const now = Deadlines.now();
    let next = Infinity;
    for (const x of this.live) {
      if (x.deadline <= now) {
        this.live.delete(x);
        this.expired(x);
      } else if (x.deadline < next) next = x.deadline;
    }
    if (next < Infinity) this.arm(next);
  }
}
