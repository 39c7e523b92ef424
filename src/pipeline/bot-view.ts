/**
 * The bot as plugins see it (`api.bot`, `ctx.bot`): a frozen object with only the BotHandle
 * members, so the Bot instance behind it (its transport, queue and lifecycle) is out of reach even
 * with a cast.
 */
import type { BotHandle } from '../bot/types.js';

export function botView(bot: BotHandle): BotHandle {
  return Object.freeze({
    id: bot.id,
    get self() {
      return bot.self;
    },
    directory: bot.directory,
    send: bot.send.bind(bot),
    waitFor: bot.waitFor.bind(bot),
    contacts: bot.contacts,
    get capabilities() {
      return bot.capabilities;
    },
    status: () => bot.status(),
  });
}
