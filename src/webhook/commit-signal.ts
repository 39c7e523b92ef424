/**
 * The post-commit signal: woken once for each committed event (the account manager announces an event after its
 * COMMIT; another node's events come through Redis). The event stream readers and the webhook worker wait on it
 * instead of being woken at write time: on PostgreSQL an account's writes run on a line of their own, and a wake
 * before the COMMIT let them read too early and find the rows only at their next wake or poll.
 *
 * No lost wake-up: a waiter notes `wakes()` before it reads and passes that to `changed`, which returns at once when
 * a wake came since (the commit its read missed was announced before it started to wait).
 */
export interface CommitSignal {
  /** Events were committed: by this process (`elsewhere` false) or by another node sharing the store. */
  wake(elsewhere?: boolean): void;
  /** How many wakes so far: a reader notes it before it reads, and passes it to `changed`. */
  wakes(): number;
  /** Resolves after the next wake, or when the signal aborts; with `since`, at once when a wake came since. */
  changed(signal: AbortSignal, since?: number): Promise<void>;
  /** Called at each wake; returns the unsubscribe. */
  onWake(listener: (elsewhere: boolean) => void): () => void;
}

/**
 * @example
 *   const committed = createCommitSignal();
 *   manager.onEvent(() => committed.wake());
 *   const seen = committed.wakes(); await read(); await committed.changed(signal, seen);
 */
export function createCommitSignal(): CommitSignal {
  let waiters: (() => void)[] = [];
  const listeners = new Set<(elsewhere: boolean) => void>();
  let wakes = 0;
  return {
    wake: (elsewhere = false) => {
      wakes++;
      const w = waiters;
      waiters = [];
      for (const r of w) r();
      for (const l of listeners) l(elsewhere);
    },
    wakes: () => wakes,
    changed: (signal, since) =>
      new Promise<void>((resolve) => {
        if (signal.aborted || (since !== undefined && since !== wakes)) return resolve();
        const done = (): void => {
          signal.removeEventListener('abort', done);
          waiters = waiters.filter((w) => w !== done);
          resolve();
        };
        waiters.push(done);
        signal.addEventListener('abort', done, { once: true });
      }),
    onWake: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
