/**
 * echo: replies to every text message with the same text, to the sender in private chats or into
 * the room in groups. Used by tests and benchmarks (`BOT_PLUGINS=echo SEND_PACING=off`).
 */
import { definePlugin, z } from '../../src/plugin.js';

export const plugin = definePlugin({
  name: 'echo',
  chainPosition: 100,
  description: 'Replies to every text message with the same text (tests and benchmarks).',
  config: z.object({
    /** Text put before the echoed text. */
    prefix: z.string().max(100).default('').describe('Text put before the echoed text'),
    /** In groups, only answer messages that @-mention the account. */
    groupsNeedMention: z.boolean().default(false).describe('In groups, only answer when @-mentioned'),
  }),
  setup(api, config) {
    api.use(async (ctx, next) => {
      if (ctx.type !== 'text' || ctx.text === '' || (ctx.isGroup && config.groupsNeedMention && !ctx.mentionsSelf)) {
        return next();
      }
      await ctx.reply(config.prefix + ctx.text);
    });
  },
});
