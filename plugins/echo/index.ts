/**
 * echo: replies to every text message no other plugin answered with the same text, to the sender
 * in private chats or into the room in groups. It passes each message on first and answers only
 * when nothing after it did, so wherever it sits in the chain it never hides a rule or the AI
 * (the demo switches it on so that a fresh account answers at all). Tests and benchmarks use it
 * too (`BOT_PLUGINS=echo SEND_PACING=off`).
 */
import { definePlugin, z } from '../../src/plugin.js';
import { manifest } from './manifest.js';
import { form } from './form.js';

export const plugin = definePlugin({
  ...manifest,
  config: z.object({
    /** Text put before the echoed text. */
    prefix: z.string().max(100).default('').describe('Text put before the echoed text'),
    /** In groups, only answer messages that @-mention the account. */
    groupsNeedMention: z.boolean().default(false).describe('In groups, only answer when @-mentioned'),
  }),
  form,
  setup(api, config) {
    api.use(async (ctx, next) => {
      if (ctx.type !== 'text' || ctx.text === '' || (ctx.isGroup && config.groupsNeedMention && !ctx.mentionsSelf)) {
        return next();
      }
      await next();
      if (!ctx.replied) await ctx.reply(config.prefix + ctx.text);
    });
  },
});
