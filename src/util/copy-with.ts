/**
 * A copy of an object with some properties set, for the objects copied once per message (a send's
 * wire Msg, a sent record). `{ ...o, a, b }` where `a` or `b` is new to `o`'s shape allocated
 * ~980 bytes per copy on Node 20 (V8 11.3) against ~150 for `Object.assign` onto a fresh object
 * (each measured over 2,000 live copies of a 3-field object plus 3 new fields; a 12-field record
 * plus 2 new fields: ~830 against ~300): the spread's clone keeps the source's shape and then grows
 * it, the assign builds the new shape once. Same result for plain objects (own enumerable
 * properties, in order, `changes` last).
 */
export function copyWith<T extends object, C extends object>(o: T, changes: C): Omit<T, keyof C> & C {
  return Object.assign({}, o, changes);
}
