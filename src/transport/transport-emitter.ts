/**
 * The emitter a transport announces its events with: the one TypedEmitter (src/util), set up so
 * that a throwing listener is logged and reported as an `error` event, and never stops the others
 * or the sync loop that emitted.
 */
import type { Logger } from '../logger.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { TransportEvents } from './transport.js';
import { asError } from '../util/error-text.js';

export type TransportEmitter = TypedEmitter<TransportEvents>;

/**
 * @example
 *   this.events = createTransportEmitter(log);
 *   this.events.emit('heartbeat', { at: clock.now() });
 */
export function createTransportEmitter(log: Logger): TransportEmitter {
  const events: TransportEmitter = new TypedEmitter<TransportEvents>((err, event) => {
    log.error({ err, event }, 'transport listener threw');
    if (event !== 'error') events.emit('error', asError(err));
  });
  return events;
}
