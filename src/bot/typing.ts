/**
 * "typing…" while the plugins work on an answer, on transports that can show it (iLink). Only
 * when the work takes longer than a moment: an instant echo needs no indicator, an AI answer does.
 * Failures are logged, never thrown at the pipeline.
 */
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import type { Transport } from '../transport/transport.js';
import { supports } from '../transport/capabilities.js';

/** Show typing after this long without an answer. */
export const TYPING_AFTER_MS = 300;

/** What a transport without typing gets back: one function for every message, not a new one each. */
const NOTHING_TO_STOP = (): void => {};

/** Start watching (`afterMs` 0: show at once); call the returned function when the answer is done. */
export function typingWhileSlow(transport: Transport, chatId: string, clock: Clock, log: Logger, afterMs = TYPING_AFTER_MS): () => void {
  if (!supports(transport.capabilities, 'typing')) return NOTHING_TO_STOP;
  const wait = new AbortController();
  let shown = false;
  const set = (on: boolean): void => {
    transport.setTyping(chatId, on).catch((e: unknown) => log.debug({ err: e }, 'typing indicator failed'));
  };
  const show = (): void => {
    shown = true;
    set(true);
  };
  // 0: at once (work known to be slow, such as a model's answer).
  if (afterMs <= 0) show();
  else clock.sleep(afterMs, wait.signal).then(show, () => {});
  return () => {
    wait.abort();
    if (shown) set(false);
  };
}
