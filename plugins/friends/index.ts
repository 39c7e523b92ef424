/**
 * friends: accept friend requests whose greeting holds a keyword, say welcome, and invite people
 * into a room when they ask by keyword — the least crowded of the configured rooms, with a note
 * instead of a second invitation when they already asked or are already in.
 */
import { definePlugin, z, type FriendRequest, type Room } from '../../src/plugin.js';
import { manifest } from './manifest.js';
import { form } from './form.js';

const inviteSchema = z.object({
  enabled: z.boolean().default(true),
  keyword: z.string().min(1, 'an invitation needs a keyword').describe('A private message (or friend-request greeting) containing this asks for an invitation'),
  rooms: z.array(z.string().min(1)).min(1, 'an invitation needs at least one room').describe('Room topics or ids; the one with the fewest members is used'),
  message: z.string().default('Invitation to {room} sent.').describe('Said after inviting ({room}, {name}); empty = nothing'),
  repeatMessage: z.string().default('You are already in {room}.').describe('Said when they are already in (or were invited to) one of the rooms'),
});

export const configSchema = z.object({
  autoAccept: z.boolean().default(true).describe('Accept friend requests automatically'),
  keywords: z.array(z.string()).default([]).describe('Accept only when the greeting contains one of these (empty = accept everyone)'),
  welcome: z.string().default('Hi {name}, nice to meet you!').describe('Sent after accepting ({name}); empty = nothing'),
  invites: z.array(inviteSchema).default([]).describe('Room invitations by keyword'),
  maxRoomSize: z.number().int().min(2).default(500).describe('Rooms with this many members are skipped'),
});

const fill = (t: string, v: Record<string, string>): string => t.replace(/\{(\w+)\}/g, (w, k: string) => v[k] ?? w);
const has = (text: string, word: string): boolean => text.toLocaleLowerCase().includes(word.trim().toLocaleLowerCase());

export const plugin = definePlugin({
  ...manifest,
  config: configSchema,
  form,
  setup(api, config) {
    const d = api.bot.directory;

    /** Invite `contactId` per `rule`; returns the text to say (or undefined). */
    async function invite(rule: z.infer<typeof inviteSchema>, contactId: string, name: string, stable: string): Promise<string | undefined> {
      const rooms = rule.rooms.map((r) => d.room(r) ?? d.findRoom(r)).filter((r): r is Room => r !== undefined);
      if (rooms.length === 0) {
        api.log.warn({ rooms: rule.rooms }, 'none of the invitation rooms exist');
        return undefined;
      }
      const memberOf = rooms.find((r) => r.members.some((m) => m.id === contactId || (m.stableId && m.stableId === stable)));
      const earlier = await api.store.get<string>(`invited:${stable}:${rule.keyword}`);
      if (memberOf || earlier) {
        const topic = memberOf?.topic ?? d.room(earlier!)?.topic ?? rooms.find((r) => r.stableId === earlier)?.topic ?? '';
        api.log.warn({ contact: stable, keyword: rule.keyword }, 'repeated invitation request');
        return rule.repeatMessage ? fill(rule.repeatMessage, { room: topic, name }) : undefined;
      }
      const size = (r: Room): number => Math.max(r.memberCount, r.members.length);
      const open = rooms.filter((r) => size(r) < config.maxRoomSize).sort((a, b) => size(a) - size(b));
      const target = open[0];
      if (!target) {
        api.log.warn({ rooms: rule.rooms }, 'every invitation room is full');
        return undefined;
      }
      await api.contacts.addMembers(target.id, [contactId]);
      await api.store.set(`invited:${stable}:${rule.keyword}`, target.stableId ?? target.id);
      return rule.message ? fill(rule.message, { room: target.topic, name }) : undefined;
    }

    api.on('friend-request', async (req: FriendRequest) => {
      if (!config.autoAccept) return;
      if (config.keywords.length && !config.keywords.some((k) => k.trim() && has(req.greeting, k))) {
        api.log.info({ name: req.name }, 'friend request without a keyword: left for a human');
        return;
      }
      await api.contacts.acceptFriend(req);
      if (config.welcome) await api.send({ id: req.contactId }, fill(config.welcome, { name: req.name }));
      const rule = config.invites.find((i) => i.enabled && has(req.greeting, i.keyword));
      if (rule) {
        const text = await invite(rule, req.contactId, req.name, req.stableId ?? req.contactId);
        if (text) await api.send({ id: req.contactId }, text);
      }
    });

    api.use(async (ctx, next) => {
      if (ctx.isGroup || ctx.type !== 'text' || !config.invites.some((i) => i.enabled)) return next();
      const rule = config.invites.find((i) => i.enabled && has(ctx.text, i.keyword));
      if (!rule) return next();
      const text = await invite(rule, ctx.message.senderId, ctx.senderName, ctx.sender?.stableId ?? ctx.message.senderId);
      if (text) await ctx.reply(text);
    });
  },
});
