/**
 * The one typed event emitter of the code base (transports and bots use it). A listener that throws
 * is handed to `onListenerError` and never stops the other listeners, nor the emitting loop (a
 * sync loop, a store batch) behind it.
 */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

export class TypedEmitter<M extends object> {
  private readonly listeners = new Map<keyof M, Set<(payload: never) => void>>();

  /**
   * @example
   *   const events = new TypedEmitter<{ tick: { at: number } }>((err, event) => log.error({ err, event }, 'listener threw'));
   *   const off = events.on('tick', ({ at }) => console.log(at));
   *   events.emit('tick', { at: Date.now() });
   *   off();
   */
  constructor(private readonly onListenerError: ListenerErrorHandler = () => {}) {}

  /** Subscribe; returns the unsubscribe function. */
  on<E extends keyof M>(event: E, listener: (payload: M[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const fn = listener as (payload: never) => void;
    set.add(fn);
    return () => void set.delete(fn);
  }

  emit<E extends keyof M>(event: E, payload: M[E]): void {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return;
    for (const fn of set) {
      try {
        (fn as (payload: M[E]) => void)(payload);
      } catch (err) {
        this.onListenerError(err, String(event));
      }
    }
  }

  /** How many listeners an event has. */
  count(event: keyof M): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
