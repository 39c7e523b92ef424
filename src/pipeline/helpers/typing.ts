/**
 * "typing…" for work a plugin does off the pipeline (an AI answer): the runtime shows it only while
 * the pipeline itself runs, so a plugin that answers later says when it is working.
 */
import type { Logger } from 'pino';
import type { BotHandle } from '../../bot/types.js';
import { typingWhileSlow } from '../../bot/typing.js';
import type { Clock } from '../../util/clock.js';

/**
 * Show "typing…" in `chatId` at once, until the returned function is called; nothing on a
 * transport without a typing indicator (the web protocol). Never throws.
 *
 * @example
 *   const done = typingIn(api.bot, ctx.chatId, api.clock, api.log);
 *   try { reply = await ask(); } finally { done(); }
 */
export function typingIn(bot: Pick<BotHandle, 'transport'>, chatId: string, clock: Clock, log: Logger): () => void {
  return typingWhileSlow(bot.transport, chatId, clock, log, 0);
}
