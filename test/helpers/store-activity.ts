/**
 * The calls a test store has not answered yet. On PostgreSQL a call waits on the server over a socket, so work a
 * fake clock wakes (a send, a scheduled job) is not done within the few turns `FakeClock.advance` lets run; a test
 * waits for this count to reach nothing instead (`clock.settle = storeSettled(store)`), never for a time.
 */
import type { Store } from '../../src/store/index.js';
import { waitUntil } from '../../src/testing/wait.js';

const unanswered = new WeakMap<Store, { calls: number }>();

/** `store` with every call counted until it settles (what the callers get back is the store's own promise). */
export function trackStoreCalls(store: Store): Store {
  const count = { calls: 0 };
  const settled = (): void => void count.calls--;
  const counted =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      const result = fn(...args);
      if (result instanceof Promise) {
        count.calls++;
        result.then(settled, settled);
      }
      return result;
    };
  const repo = <T extends object>(methods: T): T =>
    Object.fromEntries(Object.entries(methods).map(([name, m]) => [name, typeof m === 'function' ? counted(m as (...a: unknown[]) => unknown) : m])) as T;
  const tracked = { ...store } as Record<string, unknown>;
  for (const [name, value] of Object.entries(store)) {
    if (name === 'box' || name === 'close') continue;
    if (name === 'seenKeys') tracked[name] = (account: string) => repo(store.seenKeys(account));
    else if (typeof value === 'function') tracked[name] = counted(value as (...a: unknown[]) => unknown);
    else if (value && typeof value === 'object') tracked[name] = repo(value);
  }
  unanswered.set(tracked as unknown as Store, count);
  return tracked as unknown as Store;
}

/**
 * Wait until every call made to `store` so far has settled, and what they set going has had its turn (a next call
 * counts at once). A store not opened through the test helpers has nothing counted: SQLite answers within the turns
 * `FakeClock.advance` lets run.
 */
export function storeSettled(store: Store): () => Promise<void> {
  return () => {
    const count = unanswered.get(store);
    return count ? waitUntil(() => count.calls === 0, 5000, 'the store to answer every call') : Promise.resolve();
  };
}
