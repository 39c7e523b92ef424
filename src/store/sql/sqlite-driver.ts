/**
 * The SQLite side of the port: statements are better-sqlite3 prepared statements, and a repository
 * method runs to its end synchronously, inside one `ConnectionGate` turn (as the repositories did
 * before the port: no promise per statement on the hot path).
 */
import type Database from 'better-sqlite3';
import { plainTwin, type Answers, type Op, type Param, type Query, type Sql, type Steps, type Work } from './work.js';

interface SqliteQuery extends Query {
  readonly now: Answers;
}

/** A prepared statement answering at once, in place (no statement is yielded to the driver on SQLite). */
class Answering implements Answers {
  constructor(private readonly statement: Database.Statement) {}
  get(params: Param[]): unknown {
    return this.statement.get(...params);
  }
  all(params: Param[]): unknown[] {
    return this.statement.all(...params);
  }
  run(params: Param[]): number {
    return this.statement.run(...params).changes;
  }
}

/** The port over one better-sqlite3 connection. */
export function sqliteSql(db: Database.Database): Sql {
  const atomic = db.transaction((body: () => unknown) => body());
  return {
    dialect: 'sqlite',
    atomicNow: <T>(body: () => T) => atomic(body) as T,
    query(text) {
      const sql = typeof text === 'string' ? text : text.sqlite;
      return { text: sql, now: new Answering(db.prepare(sql)) } satisfies SqliteQuery;
    },
  };
}

/**
 * Run a repository method to its end, answering each statement at once. An error from a statement
 * is thrown into the method (so it may catch a constraint violation), as a driver error would be.
 */
export function runSync<T>(db: Database.Database, work: Work<T>): T {
  let step = work.next();
  while (!step.done) {
    let answer: unknown;
    try {
      answer = answerOp(db, step.value);
    } catch (e) {
      step = work.throw(e);
      continue;
    }
    step = work.next(answer);
  }
  return step.value;
}

/** Each connection's `atomic`, made once: building a better-sqlite3 transaction function costs more than a small write. */
const atomics = new WeakMap<Database.Database, (work: Work<unknown>) => unknown>();

function atomicOn(db: Database.Database): (work: Work<unknown>) => unknown {
  let atomic = atomics.get(db);
  if (!atomic) atomics.set(db, (atomic = db.transaction((work: Work<unknown>) => runSync(db, work))));
  return atomic;
}

function answerOp(db: Database.Database, op: Op): unknown {
  if (op.kind === 'atomic') return atomicOn(db)(op.work);
  // Statements are answered in place by the helpers (`now`); one yielded all the same is answered here.
  const now = (op.query as SqliteQuery).now;
  if (op.kind === 'get') return now.get(op.params);
  if (op.kind === 'all') return now.all(op.params);
  return now.run(op.params);
}

/**
 * A repository's synchronous view on one SQLite connection, outside any gate (migration copies and
 * tests that look at one repository alone).
 *
 * @example const messages = sqliteTable(db, createMessagesRepo(sqliteSql(db))); messages.count('a1');
 */
export function sqliteTable<T>(db: Database.Database, steps: Steps<T>): T {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(steps as Record<string, unknown>)) {
    if (typeof method !== 'function') continue;
    out[name] = plainTwin(method) ?? ((...args: unknown[]) => runSync(db, (method as (...a: unknown[]) => Work<unknown>).apply(steps, args)));
  }
  return out as T;
}
