/**
 * A queue per key (per conversation): tasks with the same key run one after another, tasks with
 * different keys run side by side. Plugins use it so a slow call (an AI endpoint) answers in
 * order within one chat without holding up the pipeline or other chats.
 */

export interface KeyedQueue {
  /** Run `task` after every earlier task of `key`; resolves or rejects with the task. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Tasks waiting or running for `key` (0 when idle). */
  size(key: string): number;
  /** Keys with work in progress. */
  readonly active: number;
  /** Resolves when every task queued so far has settled. */
  idle(): Promise<void>;
}

/**
 * Create a queue. No module state: each plugin instance makes its own.
 *
 * @example
 *   const q = createKeyedQueue();
 *   void q.run(ctx.chatId, () => answer(ctx)); // same chat: in order; other chats: in parallel
 */
export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, { tail: Promise<unknown>; count: number }>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const entry = tails.get(key) ?? { tail: Promise.resolve(), count: 0 };
      entry.count++;
      const result = entry.tail.then(task);
      entry.tail = result.then(
        () => undefined,
        () => undefined,
      );
      void entry.tail.then(() => {
        entry.count--;
        if (entry.count === 0 && tails.get(key) === entry) tails.delete(key);
      });
      tails.set(key, entry);
      return result;
    },
    size: (key) => tails.get(key)?.count ?? 0,
    get active() {
      return tails.size;
    },
    async idle() {
      while (tails.size > 0) await Promise.all([...tails.values()].map((e) => e.tail));
    },
  };
}
