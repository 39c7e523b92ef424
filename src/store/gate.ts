/**
 * The one SQLite connection, shared by every repository, behind asynchronous interfaces.
 *
 * better-sqlite3 is synchronous, but the repositories promise to be asynchronous (so that a store on a
 * server database can be added without touching callers). A transaction therefore has to stay open
 * across `await`s. The gate makes that safe on one connection, as Kysely's SQLite driver does: while a
 * transaction holds the connection, every other repository call waits in line (FIFO) and runs after the
 * COMMIT or ROLLBACK, so it can neither slip into the open transaction nor be rolled back with it.
 * When the connection is free (nearly always) a call runs at once and costs one resolved promise.
 */

/** An object whose methods all return promises of what `T`'s methods return. */
export type Promised<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never };

export class ConnectionGate {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  /** Run synchronous database work now when the connection is free, else after the open transaction. */
  run<T>(work: () => T): Promise<T> {
    if (!this.held && this.waiting.length === 0) return settle(work);
    return new Promise<T>((resolve, reject) =>
      this.waiting.push(() => {
        try {
          resolve(work());
        } catch (e) {
          reject(e as Error);
        }
      }),
    );
  }

  /**
   * Hold the connection for `body`: `begin` runs once it is free, then `body` (which may await), then
   * `commit` — or `rollback` when `body` throws. Calls made meanwhile through `run` wait for the end.
   */
  async hold<T>(begin: () => void, commit: () => void, rollback: () => void, body: () => Promise<T>): Promise<T> {
    if (this.held || this.waiting.length > 0) {
      await new Promise<void>((resolve) =>
        this.waiting.push(() => {
          this.held = true;
          resolve();
        }),
      );
    } else this.held = true;
    try {
      begin();
      const value = await body();
      commit();
      return value;
    } catch (e) {
      rollback();
      throw e;
    } finally {
      this.held = false;
      this.drain();
    }
  }

  /** Let the waiting calls through in order, until one of them is a transaction that takes the connection. */
  private drain(): void {
    while (!this.held && this.waiting.length > 0) this.waiting.shift()!();
  }
}

/**
 * The asynchronous view of a synchronous repository: each method goes through `run`.
 *
 * @example
 *   const accounts = promised(createAccountsRows(db), (work) => gate.run(work));
 *   await accounts.list();
 */
export function promised<T extends object>(rows: T, run: <R>(work: () => R) => Promise<R>): Promised<T> {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(rows)) {
    if (typeof method !== 'function') continue;
    out[name] = (...args: unknown[]) => run(() => (method as (...a: unknown[]) => unknown).apply(rows, args));
  }
  return out as Promised<T>;
}

function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (e) {
    return Promise.reject(e as Error);
  }
}
