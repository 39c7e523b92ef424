/**
 * The port every repository is written against, once for both stores. A repository method is a
 * generator: it yields each statement (`yield* get(q, …)`) and gets the rows back, so the same code
 * runs synchronously on SQLite (better-sqlite3 answers at once: the method stays one atomic,
 * promise-free step on the hot path) and asynchronously on PostgreSQL (each statement awaits the
 * server). Statements are written in the SQL both engines share, with `?` placeholders; the few that
 * differ are given per dialect (`sql.query({ sqlite, postgres })`).
 */

/** A value bound to a placeholder. Flags are stored as 0/1 integers on both stores. */
export type Param = string | number | bigint | Buffer | null;

export type Dialect = 'sqlite' | 'postgres';

/** A statement prepared by one store's driver (opaque outside the drivers). */
export interface Query {
  readonly text: string;
  /**
   * Set by a driver that answers at once (SQLite): the helpers below run the statement here instead of yielding it,
   * so a method costs no round trip through the driver per statement (the hot path stays as cheap as plain calls).
   */
  readonly now?: Answers;
}

/** A statement run synchronously. */
export interface Answers {
  get(params: Param[]): unknown;
  all(params: Param[]): unknown[];
  run(params: Param[]): number;
}

/** One step of a repository method, answered by the driver that runs it. */
export type Op =
  | { kind: 'get' | 'all' | 'run'; query: Query; params: Param[] }
  /** Run `work` in a transaction of its own (a savepoint when one is open already). */
  | { kind: 'atomic'; work: Work<unknown> };

/** A repository method's body: yields statements, returns the method's result. */
export type Work<T> = Generator<Op, T, unknown>;

/** The repository shape `T` (plain results) written as methods that return `Work`. */
export type Steps<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Work<R> : never };

/** What a repository factory receives: where statements are prepared, and which engine it is. */
export interface Sql {
  readonly dialect: Dialect;
  /**
   * Set by a driver that answers at once (SQLite): run `body` all-or-nothing, now (a savepoint inside the open
   * transaction). Plain twins (`twin`) use it where their steps say `atomic`.
   */
  readonly atomicNow?: <T>(body: () => T) => T;
  /**
   * Prepare a statement: one text for both engines, or one per dialect where they differ.
   *
   * @example const byId = sql.query('select * from accounts where id = ?');
   */
  query(text: string | { sqlite: string; postgres: string }): Query;
}

/** The first row, or undefined. */
export function* get<R>(query: Query, ...params: Param[]): Work<R | undefined> {
  if (query.now) return query.now.get(params) as R | undefined;
  return (yield { kind: 'get', query, params }) as R | undefined;
}

/** Every row. */
export function* all<R>(query: Query, ...params: Param[]): Work<R[]> {
  if (query.now) return query.now.all(params) as R[];
  return (yield { kind: 'all', query, params }) as R[];
}

/** Run a statement; returns how many rows it changed. */
export function* run(query: Query, ...params: Param[]): Work<number> {
  if (query.now) return query.now.run(params);
  return (yield { kind: 'run', query, params }) as number;
}

/**
 * Run `work` all-or-nothing. On SQLite a method is already atomic (nothing else runs while it does);
 * on PostgreSQL other nodes write meanwhile, so a method of several statements that must hold
 * together says so here.
 */
export function* atomic<T>(work: Work<T>): Work<T> {
  return (yield { kind: 'atomic', work }) as T;
}

/**
 * `steps` with a plain twin: the same method written without generator steps, for a driver that answers at once
 * (SQLite, where every statement has `now`), which calls it instead. A call then costs what a plain function call
 * costs (no generator per call and per statement): the hot methods of a message's path have one. Pass `undefined`
 * on PostgreSQL (`query.now` is unset there), where only the steps run.
 *
 * @example
 *   markSent: twin(function* (id) { yield* run(sent, id); }, sent.now && ((id) => void sent.now!.run([id]))),
 */
export function twin<A extends unknown[], R>(steps: (...args: A) => Work<R>, plain: ((...args: A) => R) | undefined): (...args: A) => Work<R> {
  return plain ? Object.assign(steps, { plain }) : steps;
}

/** The plain twin of a repository method, if it has one. */
export function plainTwin(method: unknown): ((...args: unknown[]) => unknown) | undefined {
  return (method as { plain?: (...args: unknown[]) => unknown }).plain;
}

/**
 * A method that runs one statement, with the parameters `params` makes of its arguments, and returns nothing: its
 * steps and its plain twin from one description.
 *
 * @example markSent: statement(sent, (id: string, at: number) => [at, id]),
 */
export function statement<A extends unknown[]>(query: Query, params: (...args: A) => Param[]): (...args: A) => Work<void> {
  const now = query.now;
  return twin(
    function* (...args: A): Work<void> {
      yield* run(query, ...params(...args));
    },
    now && ((...args: A) => void now.run(params(...args))),
  );
}

/** Whether `e` is a unique-constraint violation on either engine. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
