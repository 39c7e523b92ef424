/**
 * forward: relay messages between chats — one to many, many to one, many to many — with filters
 * (type, keyword, sender) and a prefix naming the source room and sender. Images, files and other
 * media go through WeChat's own forward. Loops are prevented three ways: the bot's own messages
 * never reach this plugin, relayed texts carry a hop marker that is never relayed again, and a
 * message is never sent back to the chat it came from.
 */
import { chatMatches, chatTarget, definePlugin, personMatches, z, type Context } from '../../src/plugin.js';
import { manifest } from './manifest.js';
import { form } from './form.js';

const FORWARDABLE = ['text', 'image', 'video', 'file', 'emoticon', 'link', 'location'] as const;

const routeSchema = z.object({
  name: z.string().default('').describe('A label for the panel and the logs'),
  enabled: z.boolean().default(true),
  from: z.array(z.string().min(1)).min(1, 'a route needs at least one source chat').describe('Source chats: room topics, contact names or ids'),
  to: z.array(z.string().min(1)).min(1, 'a route needs at least one target').describe('Target chats: room topics, contact names or ids'),
  types: z.array(z.enum(FORWARDABLE)).default([]).describe('Message types to relay (empty = all that can be relayed)'),
  keywords: z
    .array(z.string())
    .default([])
    .describe('Only texts containing one of these (empty = all). With keywords, images, files and other media are not relayed: they have no text to match'),
  senders: z.array(z.string()).default([]).describe('Only from these people (empty = everyone)'),
  prefix: z.string().default('[{room}] {sender}:').describe('Put before relayed text ({room}, {sender}); empty = no prefix'),
});

export const configSchema = z.object({
  routes: z.array(routeSchema).default([]).describe('Where messages go; a message matching several routes reaches each target once'),
  hopMarker: z.string().min(1).default('\u2063').describe('Invisible mark on relayed texts; marked texts are never relayed again (stops bot-to-bot loops)'),
});
export type ForwardRoute = z.infer<typeof routeSchema>;

/** Whether a route takes this message (source, type, keyword, sender). */
export function routeTakes(route: ForwardRoute, ctx: Context): boolean {
  const chat = { chatId: ctx.chatId, room: ctx.room, peer: ctx.isGroup ? undefined : ctx.sender };
  if (!chatMatches(route.from, chat)) return false;
  if (!(FORWARDABLE as readonly string[]).includes(ctx.type)) return false;
  if (route.types.length && !(route.types as string[]).includes(ctx.type)) return false;
  if (route.keywords.length) {
    const text = ctx.text.toLocaleLowerCase();
    if (ctx.type !== 'text' || !route.keywords.some((k) => k && text.includes(k.toLocaleLowerCase()))) return false;
  }
  const member = ctx.room?.members.find((m) => m.id === ctx.message.senderId);
  return (
    !route.senders.length ||
    personMatches(route.senders, {
      id: ctx.message.senderId,
      contact: ctx.sender,
      member,
      name: ctx.message.senderName,
    })
  );
}

export const plugin = definePlugin({
  ...manifest,
  config: configSchema,
  form,
  setup(api, config) {
    api.use(async (ctx, next) => {
      if (ctx.isSelf || ctx.text.includes(config.hopMarker) || ctx.message.media?.storeSticker) return next();
      const done = new Set<string>([ctx.chatId]); // never back to the source, each target once
      for (const route of config.routes.filter((r) => r.enabled)) {
        if (!routeTakes(route, ctx)) continue;
        const values: Record<string, string> = {
          room: ctx.room?.topic ?? ctx.senderName,
          sender: ctx.senderName,
        };
        const prefix = route.prefix.replace(/\{(room|sender)\}/g, (_, k: string) => values[k] ?? '');
        for (const entry of route.to) {
          const target = chatTarget(api.bot.directory, entry);
          if (!target) {
            api.log.warn({ route: route.name, target: entry }, 'forward target not found');
            continue;
          }
          if (!('id' in target) || done.has(target.id)) continue;
          done.add(target.id);
          if (ctx.type === 'text') {
            await api.send(target, `${config.hopMarker}${prefix ? `${prefix} ` : ''}${ctx.text}`);
          } else {
            if (prefix) await api.send(target, `${config.hopMarker}${prefix}`);
            await ctx.forward(target);
          }
        }
      }
      return next();
    });
  },
});
