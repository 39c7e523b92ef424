/**
 * room-welcome: greet people who join a room, with a template chosen per room. Several people
 * joining at once get one greeting naming them all.
 */
import { chatMatches, definePlugin, z, type Room } from '../../src/plugin.js';
import { manifest } from './manifest.js';
import { form } from './form.js';

const greetingSchema = z.object({
  enabled: z.boolean().default(true),
  rooms: z.array(z.string()).default([]).describe('Room topics or ids (empty = every room)'),
  template: z
    .string()
    .min(1, 'a greeting needs a text')
    .describe('Placeholders: {names} (with @), {room}, {inviter} (this account’s name when it invited them), {count}'),
});

export const configSchema = z.object({
  greetings: z
    .array(greetingSchema)
    .default([{ enabled: true, rooms: [], template: 'Welcome {names} to {room}!' }])
    .describe('The first greeting whose rooms match is used'),
  mention: z.boolean().default(true).describe('Write each name as @name'),
  greetInvitedBySelf: z.boolean().default(true).describe('Also greet people this account invited'),
});

/** The greeting for a room, or undefined when none applies. */
export function pickGreeting(greetings: readonly z.infer<typeof greetingSchema>[], room: Pick<Room, 'id' | 'stableId' | 'topic'>): string | undefined {
  return greetings.find((g) => g.enabled !== false && (g.rooms.length === 0 || chatMatches(g.rooms, { chatId: room.id, room })))?.template;
}

export const plugin = definePlugin({
  ...manifest,
  config: configSchema,
  form,
  setup(api, config) {
    api.on('room-join', async (join) => {
      if (join.bySelf && !config.greetInvitedBySelf) return;
      const room = api.bot.directory.room(join.roomId);
      const selfName = api.bot.self?.name;
      const names = join.names.filter((n) => n && n !== selfName && n !== '你' && n.toLowerCase() !== 'you');
      if (!room || names.length === 0) return;
      const template = pickGreeting(config.greetings, room);
      if (!template) return;
      const shown = names.map((n) => (config.mention ? `@${n}` : n)).join(config.mention ? ' ' : ', ');
      const values: Record<string, string> = {
        names: shown,
        room: room.topic,
        // The account itself invited them: its own name (in this group, else its nickname).
        inviter: join.inviterName ?? (join.bySelf ? room.members.find((m) => m.id === api.bot.self?.id)?.displayName || selfName || '' : ''),
        count: String(names.length),
      };
      await api.send(
        { id: room.id },
        template.replace(/\{(\w+)\}/g, (w, k: string) => values[k] ?? w),
      );
    });
  },
});
