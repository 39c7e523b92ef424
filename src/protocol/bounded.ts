/** Bounded collections for the web session's memories. */

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
