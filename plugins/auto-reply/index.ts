/**
 * auto-reply: answer messages by rules (exact / contains / starts-with / regex) with scope, random
 * replies, templates, probability, cooldown per chat, time windows and priority. Rules live in the
 * plugin config; the panel imports and exports them as JSON (see rules.ts).
 */
import {
  chatMatches,
  definePlugin,
  isTimeZone,
  isUrlSource,
  loadFile,
  localTime,
  phraseIssue,
  staysInside,
  stripMentions,
  z,
  type Context,
} from '../../src/plugin.js';
import { manifest } from './manifest.js';
import { byPriority, fillTemplate, matchPattern, ruleApplies, rulesSchema, type Reply } from './rules.js';
import { form } from './form.js';
import { RULE_PHRASES } from './phrases.js';

export { parseRules, exportRules, rulesSchema, ruleSchema, type Rule } from './rules.js';

export const configSchema = z
  .object({
    rules: rulesSchema.default([]).describe('The rules, tried from the highest priority down; the first that matches answers'),
    timezone: z
      .string()
      .default('')
      .refine(isTimeZone, 'unknown time zone (use an IANA name such as Asia/Shanghai)')
      .describe('Time zone for time windows and {time} (IANA name, e.g. Asia/Shanghai; empty = the server’s)'),
    passThrough: z.boolean().default(false).describe('Let later plugins see a message after a rule answered it'),
    mediaDir: z.string().default('').describe('Folder that image/file paths in replies are read from (empty = DATA_DIR)'),
  })
  .superRefine((c, ctx) => {
    // A path that leads out of the media folder would be refused at every send: refuse it at save.
    c.rules.forEach((rule, i) =>
      rule.replies.forEach((reply, j) => {
        const src = reply.source.trim();
        if (reply.type === 'text' || !src || isUrlSource(src) || staysInside(src, c.mediaDir || undefined)) return;
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'replies', j, 'source'],
          ...(c.mediaDir
            ? phraseIssue(RULE_PHRASES, 'source-outside', { source: src, folder: c.mediaDir })
            : phraseIssue(RULE_PHRASES, 'source-outside-data', { source: src })),
        });
      }),
    );
  });

export const plugin = definePlugin({
  ...manifest,
  phrases: RULE_PHRASES,
  config: configSchema,
  form,
  setup(api, config) {
    const rules = byPriority(config.rules);
    // When each rule last answered in each chat (cooldowns); per instance, reset on reconfigure.
    const lastFired = new Map<string, number>();

    async function send(ctx: Context, reply: Reply, values: Record<string, string>): Promise<void> {
      if (reply.type === 'text') {
        await ctx.reply(fillTemplate(reply.text, values));
        return;
      }
      const file = await loadFile(reply.source, {
        http: api.http,
        baseDir: config.mediaDir || api.dataDir,
        name: reply.fileName || undefined,
      });
      await (reply.type === 'image' ? ctx.replyImage(file) : ctx.replyFile(file));
    }

    api.use(async (ctx, next) => {
      if (ctx.type !== 'text' || rules.length === 0) return next();
      const now = api.clock.now();
      const at = localTime(now, config.timezone);
      const room = ctx.room;
      const self = api.bot.self;
      const selfMember = room?.members.find((m) => m.id === self?.id);
      const text = ctx.isGroup ? stripMentions(ctx.text, [self?.name, selfMember?.displayName]) : ctx.text;
      const facts = {
        text,
        isGroup: ctx.isGroup,
        mentionsSelf: ctx.mentionsSelf,
        at,
        inChats: (entries: readonly string[]) => chatMatches(entries, { chatId: ctx.chatId, room, peer: ctx.isGroup ? undefined : ctx.sender }),
      };
      for (const [index, rule] of rules.entries()) {
        if (!ruleApplies(rule, facts)) continue;
        const match = matchPattern(rule, text);
        if (!match) continue;
        const key = `${index}\u0000${ctx.chatId}`;
        const last = lastFired.get(key);
        if (last !== undefined && now - last < rule.cooldownSeconds * 1000) continue;
        if (rule.probability < 1 && api.clock.random() >= rule.probability) continue;
        const reply = rule.replies[Math.floor(api.clock.random() * rule.replies.length)] ?? rule.replies[0]!;
        lastFired.set(key, now);
        api.log.debug({ rule: rule.name || rule.pattern, chat: ctx.chatId }, 'rule answered');
        const values = {
          ...match.groups,
          sender: ctx.senderName,
          room: room?.topic ?? '',
          time: at.time,
          date: at.date,
        };
        await send(ctx, reply, values);
        return config.passThrough ? next() : undefined;
      }
      return next();
    });
  },
});
