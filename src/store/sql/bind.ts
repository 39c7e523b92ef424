/** The asynchronous view of a repository written against the port: each method's work goes through the store's runner. */
import type { Promised } from '../gate.js';
import { plainTwin, type Steps, type Work } from './work.js';

/** How a store runs a repository call. */
export interface Runner {
  /** Run a method's steps. */
  steps<R>(work: Work<R>): Promise<R>;
  /** Run a method's plain twin (`twin` in ./work.ts); set by a driver that answers at once (SQLite), where twins are used. */
  plain?<R>(call: () => R): Promise<R>;
}

/**
 * @example
 *   const accounts = bindSteps(createAccountsRepo(sql), { steps: (work) => gate.run(() => runSync(db, work)) });
 *   await accounts.list();
 */
export function bindSteps<T>(steps: Steps<T>, runner: Runner): Promised<T> {
  return stepsBinder(steps)(runner);
}

/**
 * What `bindSteps` does, with the repository's methods (and their twins) looked up once: a transaction binds the
 * repositories it touches to its own runner, several times per message.
 */
export function stepsBinder<T>(steps: Steps<T>): (runner: Runner) => Promised<T> {
  const methods = Object.entries(steps as Record<string, unknown>)
    .filter((entry): entry is [string, (...a: unknown[]) => Work<unknown>] => typeof entry[1] === 'function')
    .map(([name, method]) => ({ name, method, plain: plainTwin(method) }));
  return (runner) => {
    const out: Record<string, unknown> = {};
    for (const { name, method, plain } of methods) {
      out[name] =
        plain && runner.plain ? (...args: unknown[]) => runner.plain!(() => plain(...args)) : (...args: unknown[]) => runner.steps(method.apply(steps, args));
    }
    return out as Promised<T>;
  };
}
