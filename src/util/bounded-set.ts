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
