/**
 * A line of store calls on PostgreSQL (the node's own, its credentials', or a few accounts' each: ./account-lines.ts),
 * run one at a time in the order they were made, as SQLite's single connection runs them. Callers rely on that order
 * (a chat's sends are queued in the order they were asked for, and a row read after a write sees it); a pool running
 * them side by side would finish them in any order. Across lines and nodes, the database's locks and unique keys decide.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  /** Run `job` after every job queued before it has settled. */
  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
