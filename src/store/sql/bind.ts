/** The asynchronous view of a repository written against the port: each method's work goes through the store's runner. */
import type { Promised } from '../gate.js';
import { plainTwin, type Steps, type Work } from './work.js';

/** A repository method's plain twin (`twin` in ./work.ts), called with the method's arguments. */
export type PlainCall = (...args: unknown[]) => unknown;

/** How a store runs a repository call. */
export interface Runner {
  /** Run a method's steps. */
  steps<R>(work: Work<R>): Promise<R>;
  /**
   * Run a method's plain twin with its arguments; set by a driver that answers at once (SQLite), where twins are
   * used. The twin and its arguments, not a closure over them: a message makes about eight such calls.
   */
  plain?(twin: PlainCall, args: unknown[]): Promise<unknown>;
}

/**
 * A repository's asynchronous view as a class: its methods are built once, on the prototype, and an instance holds
 * only its runner. A transaction makes one instance per repository it touches (a small object), where making the view
 * a method at a time (a closure each) cost more than the transaction's writes (issue 17: 0.025 ms per echo). Its
 * methods read `this`: call them on the view.
 */
export type View<T> = new (runner: Runner) => Promised<T>;

export function viewOf<T>(steps: Steps<T>): View<T> {
  class Bound {
    constructor(readonly runner: Runner) {}
  }
  for (const [name, method] of Object.entries(steps as Record<string, unknown>)) {
    if (typeof method !== 'function') continue;
    const work = method as (...a: unknown[]) => Work<unknown>;
    const plain = plainTwin(method);
    const call = plain
      ? function (this: Bound, ...args: unknown[]) {
          return this.runner.plain ? this.runner.plain(plain, args) : this.runner.steps(work.apply(steps, args));
        }
      : function (this: Bound, ...args: unknown[]) {
          return this.runner.steps(work.apply(steps, args));
        };
    Object.defineProperty(Bound.prototype, name, { value: call, writable: true, configurable: true });
  }
  return Bound as unknown as View<T>;
}

/**
 * A repository's view as an object of closures, each bound to `runner` (callers may pass a method on by itself): for
 * the store's own views, made once, and for a repository made per key (seen keys), where a class each would cost more.
 *
 * @example
 *   const accounts = bindSteps(createAccountsRepo(sql), { steps: (work) => gate.run(() => runSync(db, work)) });
 *   await accounts.list();
 */
export function bindSteps<T>(steps: Steps<T>, runner: Runner): Promised<T> {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(steps as Record<string, unknown>)) {
    if (typeof method !== 'function') continue;
    const work = method as (...a: unknown[]) => Work<unknown>;
    const plain = plainTwin(method);
    out[name] = plain && runner.plain ? (...args: unknown[]) => runner.plain!(plain, args) : (...args: unknown[]) => runner.steps(work.apply(steps, args));
  }
  return out as Promised<T>;
}
