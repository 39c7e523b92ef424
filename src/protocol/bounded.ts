/** A bounded collection for the web session's memories (its bounded set is src/util/bounded-set.ts). */
import { primeEviction } from '../util/bounded-set.js';

/** A bounded map (insertion order) for raw message look-ups needed by forward/download. */
export class BoundedMap<V> {
  private readonly items = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    return this.items.get(key);
  }

  set(key: string, value: V): void {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.max) {
      const oldest = this.items.keys().next().value;
      if (oldest !== undefined) this.items.delete(oldest);
    }
  }
}

// Its eviction runs before V8 optimises `set` into the sync's dispatch, as BoundedSet's does (src/util/bounded-set.ts).
const primer = new BoundedMap<true>(1);
primeEviction((key) => primer.set(key, true));
