/**
 * The one SQLite connection, shared by every repository, behind asynchronous interfaces.
 *
 * better-sqlite3 is synchronous, but the repositories promise to be asynchronous (so that a store on a
 * server database can be added without touching callers). A transaction therefore has to stay open
 * across `await`s. The gate makes that safe on one connection, as Kysely's SQLite driver does: while a
 * transaction holds the connection, every other repository call waits in line (FIFO) and runs after
 * it ended, so it can neither slip into the open transaction nor be rolled back with it.
 *
 * Group commit: a COMMIT is the dearest part of a small write (the WAL frames of every page touched),
 * and a message costs several small writes (stored, reply queued, handed to WeChat, settled). So calls
 * run at once inside one open database transaction that commits once the I/O callbacks of this turn
 * of the event loop have run (`setImmediate`: no wait for new I/O is added), and each call's promise
 * resolves only after that COMMIT. Durable when it resolves, as before, but one COMMIT for all the
 * chats that wrote meanwhile instead of one per call: the answers of several sends (or syncs) that
 * arrive together are settled in one COMMIT, not one per answer as at the end of each callback
 * (`process.nextTick`) before (issue 17: COMMIT was the dearest part of a message). A `hold`
 * (store.transaction) is a SAVEPOINT inside the group, so its rollback undoes its own writes only. If
 * the COMMIT fails, every call of the group that wrote rejects (none of their writes is kept); a call
 * that only read answers at once. A caller that knows nothing else is coming may end the group at once
 * (`Issued.commitNow`): a lone message's reply does not wait for the rest of the turn on its way out, nor for the
 * full-text index of the message it answers, which the next COMMIT writes (`TransactionPort.commitLean`).
 */

/** An object whose methods all return promises of what `T`'s methods return. */
export type Promised<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never };

/** The transaction statements of the connection the gate guards. */
export interface TransactionPort {
  begin(): void;
  commit(): void;
  /**
   * Commit, leaving what is due before each COMMIT and derived from the rows (SQLite's full-text index of new
   * messages) to the next COMMIT: for `Issued.commitNow`, whose writes go to WeChat as soon as they are durable.
   * What is left must be recoverable from the committed rows alone (a crash before that next COMMIT loses none of it).
   */
  commitLean?(): void;
  /** Roll back the open transaction, if SQLite has not already done it. */
  rollback(): void;
  savepoint(): void;
  release(): void;
  /** Undo the writes since `savepoint` (and release it). */
  rollbackToSavepoint(): void;
  /** Whether a transaction is open (SQLite ends one by itself after some errors: disk full, I/O). */
  inTransaction(): boolean;
  /** Rows changed on the connection so far (SQLite's total_changes): tells a read from a write. */
  changes(): number;
}

/** A call's writes, issued into a group and not yet committed (`ConnectionGate.issue`). */
export interface Issued<T> {
  value: T;
  /** The COMMIT the writes wait for, named as `hold`'s `written` names it. */
  commit: object;
  /** Resolves once they are committed; rejects when that COMMIT fails (the writes are then lost). */
  committed: Promise<void>;
  /**
   * Commit that group now instead of at its natural end, when the caller knows nothing else is coming to
   * share it and acts on the writes as soon as they are durable (a lone message's reply, on its way to
   * WeChat). After a hold that has the connection, if one does; nothing when the group committed already.
   */
  commitNow(): void;
}

/** One open database transaction shared by the calls of one burst of work (until everything waits). */
interface Group {
  readonly committed: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

export class ConnectionGate {
  private held = false;
  private readonly waiting: (() => void)[] = [];
  private group: Group | undefined;
  /** The group's turn came while a `hold` had the connection: commit when it ends. */
  private endDue = false;
  /** A group's natural end; not a later group's, which a `commitNow` may have let open before it. */
  private readonly endTurn = (group: Group): void => this.endNow(group, false);
  /** Told (in a microtask) that a group opened: see `onOpen`. */
  private readonly openListeners = new Set<() => void>();
  private readonly tellOpen = (): void => {
    for (const l of this.openListeners) l();
  };

  constructor(private readonly port: TransactionPort) {}

  /** Run synchronous database work now when the connection is free, else after the open `hold`; resolves after its COMMIT. */
  run<T>(work: () => T): Promise<T> {
    if (!this.held && this.waiting.length === 0) return this.inGroup(work);
    return new Promise<T>((resolve, reject) => this.waiting.push(() => this.inGroup(work).then(resolve, reject)));
  }

  /**
   * `run`, answered as soon as `work` has run, with its group's COMMIT still to come: for a caller that can act
   * on writes it knows share a COMMIT with others (a reply written with the message it answers), without a
   * `hold`'s savepoint.
   */
  issue<T>(work: () => T): Promise<Issued<T>> {
    if (!this.held && this.waiting.length === 0) return this.issueNow(work);
    return new Promise<Issued<T>>((resolve, reject) => this.waiting.push(() => this.issueNow(work).then(resolve, reject)));
  }

  /**
   * Hold the connection for `body` (which may await) inside a savepoint: its writes are kept when it
   * resolves and undone when it throws. Calls made meanwhile through `run` wait for the end. Resolves
   * once the writes are committed. `written`, if given, is called as soon as the writes are issued
   * (the savepoint released, the COMMIT still to come): work it starts writes into the same group,
   * so that a reply queued from it commits in the COMMIT that keeps the message it answers (one
   * COMMIT turn per message, not two). It must not act outside the process on the strength of those
   * writes: they are not durable yet, and a crash (or a failed COMMIT) before the group commits loses
   * them together with whatever the work wrote meanwhile. Its second argument names that COMMIT (the
   * same object for every write of one group): two holds whose `written` got the same one commit or
   * fail together.
   */
  async hold<T>(body: () => Promise<T>, written?: (value: T, commit: object) => void): Promise<T> {
    const { group, value } = await this.holding(body);
    // Issued, not yet committed: what `written` starts now writes into this same group (one COMMIT).
    written?.(value, group);
    await group.committed;
    return value;
  }

  private async holding<T>(body: () => Promise<T>): Promise<{ group: Group; value: T }> {
    if (this.held || this.waiting.length > 0) {
      await new Promise<void>((resolve) =>
        this.waiting.push(() => {
          this.held = true;
          resolve();
        }),
      );
    } else this.held = true;
    try {
      const group = this.open();
      this.port.savepoint();
      let value: T;
      try {
        value = await body();
        this.port.release();
      } catch (e) {
        this.undo(e);
        throw e;
      }
      return { group, value };
    } finally {
      this.held = false;
      // The group's turn passed during the hold: commit now, before the calls that waited start a new one.
      if (this.endDue) this.end();
      this.drain();
    }
  }

  /**
   * Call `listener` each time a group opens, a microtask later (never inside the call that opened it): work
   * that may wait (the final states of answered sends) can then write into that group and share its
   * COMMIT instead of paying one of its own. Returns the function that stops it.
   */
  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener);
    return () => void this.openListeners.delete(listener);
  }

  /** Commit the open group now (before the connection closes). */
  flush(): void {
    this.end();
  }

  private inGroup<T>(work: () => T): Promise<T> {
    let group: Group;
    let value: T;
    let wrote: boolean;
    try {
      group = this.open();
      const before = this.port.changes();
      value = work();
      wrote = this.port.changes() !== before;
    } catch (e) {
      return this.failed(e);
    }
    // A read answers at once (as without the group); a write once it is committed.
    return wrote ? group.committed.then(() => value) : Promise.resolve(value);
  }

  private issueNow<T>(work: () => T): Promise<Issued<T>> {
    try {
      const group = this.open();
      return Promise.resolve({ value: work(), commit: group, committed: group.committed, commitNow: () => this.endNow(group, true) });
    } catch (e) {
      return this.failed(e);
    }
  }

  /** A failed statement undoes only itself, unless SQLite ended the whole transaction. */
  private failed(e: unknown): Promise<never> {
    if (this.group && !this.port.inTransaction()) this.lost(e);
    return Promise.reject(e as Error);
  }

  private open(): Group {
    if (this.group) return this.group;
    this.port.begin();
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const committed = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Every member handles its own outcome; the group's promise itself must not count as unhandled.
    committed.catch(() => {});
    this.group = { committed, resolve, reject };
    setImmediate(this.endTurn, this.group);
    if (this.openListeners.size) queueMicrotask(this.tellOpen);
    return this.group;
  }

  /** Commit `group` if it is still the open one; `lean` for `commitNow` (its writes are on their way out), not at a turn's end. */
  private endNow(group: Group, lean: boolean): void {
    if (this.group === group) this.end(lean);
  }

  /** Commit the group, unless a hold has the connection (then at its end, in full). */
  private end(lean = false): void {
    const g = this.group;
    if (!g) return;
    if (this.held) {
      this.endDue = true;
      return;
    }
    this.endDue = false;
    this.group = undefined;
    try {
      if (lean && this.port.commitLean) this.port.commitLean();
      else this.port.commit();
    } catch (e) {
      this.port.rollback();
      g.reject(e);
      return;
    }
    g.resolve();
  }

  /** Undo a failed hold's writes: back to its savepoint, or, when SQLite ended the transaction itself, the whole group is lost. */
  private undo(e: unknown): void {
    try {
      if (this.port.inTransaction()) {
        this.port.rollbackToSavepoint();
        return;
      }
    } catch {
      // The savepoint could not be restored: nothing of the group can be trusted either.
      this.port.rollback();
    }
    this.lost(e);
  }

  /** SQLite rolled the whole group back: every call in it fails. */
  private lost(e: unknown): void {
    const g = this.group;
    this.group = undefined;
    this.endDue = false;
    g?.reject(e);
  }

  /** Let the waiting calls through in order, until one of them is a hold that takes the connection. */
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
