/**
 * LOGIN_CONCURRENCY across every way an account starts on this node (a restart, a cluster node
 * taking its share of accounts, a retry after a failed attempt): at most `limit` logins are between
 * "starting" and their next state at once; the others wait their turn, first come first served. A
 * login costs the store a dozen round trips (its session, its queue, its timeline, its fence
 * checks) and WeChat a handshake: 300 taken at once put 300 logins' calls in one line behind the
 * node's store, where the coordinator's lease renewals and the API's token checks then waited for
 * all of them, and on a busy machine that was longer than a lease.
 *
 * Each slot also paces its own starts: a login begins no sooner than a random 0…`jitterMs` after the
 * previous one that slot began, so a restart of many accounts does not reach WeChat in lock-step.
 * The jitter runs from the previous start, alongside that login, not after its end: a login longer
 * than the jitter adds no wait (waiting after each end added up to half a minute of sleeping over
 * 1,000 accounts). The first login of each slot starts at once, as a single account always did.
 */
import { systemClock, type Clock } from '../util/clock.js';

export class LoginSlots {
  /** Each slot's earliest next start (epoch ms). */
  private readonly nextAt: number[];
  /** Slots no login holds. */
  private readonly free: number[];
  private readonly waiting: ((slot: number) => void)[] = [];

  constructor(
    limit: number,
    private readonly jitterMs = 0,
    private readonly clock: Clock = systemClock,
  ) {
    const slots = Math.max(1, limit);
    this.nextAt = new Array<number>(slots).fill(-Infinity);
    this.free = Array.from({ length: slots }, (_, i) => i);
  }

  /**
   * A slot, once one is free and its jitter has passed: resolves with the function that gives it back
   * (call it once). Rejects with the signal's reason when `signal` aborts first (the account was
   * stopped while it waited).
   */
  async take(signal: AbortSignal): Promise<() => void> {
    const slot = await this.turn(signal);
    const wait = this.nextAt[slot]! - this.clock.now();
    if (wait > 0) {
      try {
        await this.clock.sleep(wait, signal);
      } catch (e) {
        this.give(slot);
        throw e;
      }
    }
    this.nextAt[slot] = this.clock.now() + (this.jitterMs > 0 ? Math.floor(this.clock.random() * this.jitterMs) : 0);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.give(slot);
    };
  }

  /** Logins waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** A free slot (the one ready soonest), or a place in the line for the next one given back. */
  private turn(signal: AbortSignal): Promise<number> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.free.length > 0 && this.waiting.length === 0) {
      this.free.sort((a, b) => this.nextAt[a]! - this.nextAt[b]!);
      return Promise.resolve(this.free.shift()!);
    }
    return new Promise((resolve, reject) => {
      const turn = (slot: number): void => {
        signal.removeEventListener('abort', leave);
        resolve(slot);
      };
      const leave = (): void => {
        this.waiting.splice(this.waiting.indexOf(turn), 1);
        reject(signal.reason as Error);
      };
      this.waiting.push(turn);
      signal.addEventListener('abort', leave, { once: true });
    });
  }

  private give(slot: number): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }
}
