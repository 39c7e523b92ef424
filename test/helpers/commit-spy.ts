/**
 * A look at SQLite's COMMITs from inside a test (or a child process of one): `spyOnCommits(hook)` makes every store
 * opened afterwards in this process call `hook(db)` just before each of its group COMMITs, on the open transaction
 * (so the hook sees the group's rows, which no other connection sees yet). Call the returned function to stop.
 */
import Database from 'better-sqlite3';

type Db = InstanceType<typeof Database>;

export function spyOnCommits(hook: (db: Db) => void): () => void {
  const original = Database.prototype.prepare;
  Database.prototype.prepare = function prepare(this: Db, source: string) {
    const statement = original.call(this, source);
    // The store prepares its COMMIT once (src/store/index.ts transactionPort) and runs only `run` on it.
    if (source !== 'commit') return statement;
    const run = statement.run.bind(statement) as (...params: unknown[]) => Database.RunResult;
    statement.run = (...params: unknown[]) => {
      hook(this);
      return run(...params);
    };
    return statement;
  } as typeof original;
  return () => {
    Database.prototype.prepare = original;
  };
}
