/**
 * A small typed event emitter for TransportEvents. A throwing listener is reported through the
 * `error` event (or the logger) and never stops the others or the sync loop.
 */
import type { Logger } from '../logger.js';
import type { TransportEventName, TransportEvents, TransportListener } from './transport.js';

export class TypedEmitter {
  private readonly listeners = new Map<TransportEventName, Set<(p: unknown) => void>>();

  constructor(private readonly log: Logger) {}

  on<E extends TransportEventName>(event: E, listener: TransportListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const fn = listener as (p: unknown) => void;
    set.add(fn);
    return () => set.delete(fn);
  }

  emit<E extends TransportEventName>(event: E, payload: TransportEvents[E]): void {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return;
    for (const fn of set) {
      try {
        fn(payload);
      } catch (err) {
        this.log.error({ err, event }, 'transport listener threw');
        if (event !== 'error') this.emit('error', err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  has(event: TransportEventName): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }
}
