/**
 * LOGIN_CONCURRENCY across every way an account starts on this node (a restart's waves, a cluster
 * node taking its share of accounts, a retry after a failed attempt): at most `limit` logins are
 * between "starting" and their next state at once; the others wait their turn, first come first
 * served. A login costs the store a dozen round trips (its session, its queue, its timeline, its
 * fence checks) and WeChat a handshake: 300 taken at once put 300 logins' calls in one line behind
 * the node's store, where the coordinator's lease renewals and the API's token checks then waited
 * for all of them, and on a busy machine that was longer than a lease.
 */
export class LoginSlots {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /**
   * A slot, once one is free: resolves with the function that gives it back (call it once). Rejects
   * with the signal's reason when `signal` aborts first (the account was stopped while it waited).
   */
  take(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.busy < this.limit && this.waiting.length === 0) return Promise.resolve(this.grant());
    return new Promise((resolve, reject) => {
      const turn = (): void => {
        signal.removeEventListener('abort', leave);
        resolve(this.grant());
      };
      const leave = (): void => {
        this.waiting.splice(this.waiting.indexOf(turn), 1);
        reject(signal.reason as Error);
      };
      this.waiting.push(turn);
      signal.addEventListener('abort', leave, { once: true });
    });
  }

  /** Logins waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  private grant(): () => void {
    this.busy++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.busy--;
      this.waiting.shift()?.();
    };
  }
}
