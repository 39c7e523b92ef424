/**
 * Running the event writers (webhook outbox rows, the event log) for one event inside the transaction that keeps
 * it. A writer with nothing to write (no webhook endpoint wants events) answers `NOTHING_WRITTEN`, and the bot then
 * does not wait on it: each wait is a turn of the microtask queue, and this runs for three events per echoed
 * message (issue 17).
 */
import type { Repos } from '../store/index.js';
import type { BotEvent, EventWriter } from './types.js';

/** What an event writer answers when it wrote nothing for the event (already settled: nothing to wait for). */
export const NOTHING_WRITTEN: Promise<void> = Promise.resolve();

/**
 * The writers in their order, each after the one before has written; `NOTHING_WRITTEN` when none wrote anything.
 *
 * @example
 *   const written = writeWith(writers, event, tx);
 *   if (written !== NOTHING_WRITTEN) await written;
 */
export function writeWith(writers: readonly EventWriter[], e: BotEvent, tx: Repos): Promise<void> {
  let written = NOTHING_WRITTEN;
  for (const w of writers) written = written === NOTHING_WRITTEN ? w(e, tx) : written.then(() => w(e, tx));
  return written;
}
