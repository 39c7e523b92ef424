/** A bounded set that forgets the oldest entries (message-id dedupe). */
export class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly max: number) {}

  has(key: string): boolean {
    return this.items.has(key);
  }

  /** Add; returns false when it was already there. */
  add(key: string): boolean {
    if (this.items.has(key)) return false;
    this.items.add(key);
    if (this.items.size > this.max) {
      const oldest = this.items.values().next().value;
      if (oldest !== undefined) this.items.delete(oldest);
    }
    return true;
  }
}

// V8 optimises `add`, inlined into hot callers (the web sync's dispatch, the send), with the feedback it has seen;
// the eviction is first reached once a set is full, thousands of messages in, and then deoptimises every one of
// those callers, which are compiled again mid-burst (issue 17). A throwaway set evicting at load gives `add` that
// feedback from the start.
const primer = new BoundedSet(1);
primeEviction((key) => primer.add(key));

/**
 * Insert 16 keys through a bounded collection's insert, so that its eviction runs before V8 optimises it (see
 * above). 16, not 2: V8 records feedback only from a function's first few calls on.
 */
export function primeEviction(insert: (key: string) => unknown): void {
  for (let i = 0; i < 16; i++) insert(String(i));
}
