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

/**
 * The events of a batch, in order, each writer after the one before has written them all: a writer with `many`
 * writes them at once (one multi-row insert), another one by one. `NOTHING_WRITTEN` when none wrote anything.
 *
 * @example
 *   const written = writeAllWith(writers, events, tx);
 *   if (written !== NOTHING_WRITTEN) await written;
 */
export function writeAllWith(writers: readonly EventWriter[], es: BotEvent[], tx: Repos): Promise<void> {
  let written = NOTHING_WRITTEN;
  if (es.length === 0) return written;
  for (const w of writers) {
    const write = (): Promise<void> => (w.many ? w.many(es, tx) : eachOf(w, es, tx));
    written = written === NOTHING_WRITTEN ? write() : written.then(write);
  }
  return written;
}

/** `es` through a writer without `many`, one after another. */
function eachOf(w: EventWriter, es: BotEvent[], tx: Repos): Promise<void> {
  let written = NOTHING_WRITTEN;
  for (const e of es) written = written === NOTHING_WRITTEN ? w(e, tx) : written.then(() => w(e, tx));
  return written;
}
