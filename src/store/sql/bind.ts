/** The asynchronous view of a repository written against the port: each method's work goes through `run`. */
import type { Promised } from '../gate.js';
import type { Steps, Work } from './work.js';

/**
 * @example
 *   const accounts = bindSteps(createAccountsRepo(sql), (work) => gate.run(() => runSync(db, work)));
 *   await accounts.list();
 */
export function bindSteps<T>(steps: Steps<T>, run: <R>(work: Work<R>) => Promise<R>): Promised<T> {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(steps as Record<string, unknown>)) {
    if (typeof method !== 'function') continue;
    out[name] = (...args: unknown[]) => run((method as (...a: unknown[]) => Work<unknown>).apply(steps, args));
  }
  return out as Promised<T>;
}
