/**
 * Contacts and rooms of an account: searchable lists with avatars (proxied through the panel, so
 * the browser never talks to WeChat), remarks, member lists, and the operations the transport
 * offers (remark, accept a friend request, invite, remove, rename).
 */
import type { Contact, Room } from '../../transport/model.js';
import { UnsupportedError } from '../../transport/capabilities.js';
import { fail, type AdminContext, type RouteDef } from '../router.js';
import { audit, back, botOf, field, fields, page, type Services } from '../services.js';
import type { AdminBot } from '../deps.js';
import { imageType } from '../../util/image-type.js';

const PAGE = 200;

async function contactsOf(s: Services, bot: AdminBot): Promise<Contact[]> {
  const live = bot.directory.contacts();
  return live.length ? live : s.deps.store.directory.contacts(bot.id);
}

async function roomsOf(s: Services, bot: AdminBot): Promise<Room[]> {
  const live = bot.directory.rooms();
  return live.length ? live : s.deps.store.directory.rooms(bot.id);
}

function matches(q: string, ...texts: (string | undefined)[]): boolean {
  if (!q) return true;
  const needle = q.toLowerCase();
  return texts.some((t) => t?.toLowerCase().includes(needle));
}

/**
 * Run a contact or room operation; WeChat's failure becomes a readable 502 with its message. One the
 * account's kind cannot do (UnsupportedError) goes on to the panel's handler, which answers 422 and says so.
 */
async function op(ctx: AdminContext, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof UnsupportedError) throw e;
    fail(ctx, 502, ctx.state.t('error.wechat', { message: (e as Error).message }));
  }
}

export function directoryRoutes(s: Services): RouteDef[] {
  const roomPath = (id: string, room: string): string => `/accounts/${encodeURIComponent(id)}/rooms/${encodeURIComponent(room)}`;
  return [
    {
      method: 'GET',
      path: '/accounts/:id/contacts',
      access: 'viewer',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const q = typeof ctx.query.q === 'string' ? ctx.query.q.trim() : '';
        const kind = typeof ctx.query.kind === 'string' ? ctx.query.kind : 'friend';
        const all = (await contactsOf(s, bot)).filter((c) => (kind === 'all' || c.kind === kind) && matches(q, c.name, c.remark, c.alias, c.stableId));
        page(s, ctx, 'contacts', {
          title: ctx.state.t('contacts.title'),
          info: bot.info(),
          q,
          kind,
          total: all.length,
          contacts: all.slice(0, PAGE),
          requests: s.friendRequests.get(bot.id) ?? [],
        });
      },
    },
    {
      method: 'GET',
      path: '/accounts/:id/rooms',
      access: 'viewer',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const q = typeof ctx.query.q === 'string' ? ctx.query.q.trim() : '';
        const all = (await roomsOf(s, bot)).filter((r) => matches(q, r.topic, r.stableId));
        page(s, ctx, 'rooms', { title: ctx.state.t('rooms.title'), info: bot.info(), q, total: all.length, rooms: all.slice(0, PAGE) });
      },
    },
    {
      method: 'GET',
      path: '/accounts/:id/rooms/:room',
      access: 'viewer',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const room = bot.directory.room(ctx.state.params.room!) ?? (await roomsOf(s, bot)).find((r) => r.id === ctx.state.params.room);
        if (!room) fail(ctx, 404, ctx.state.t('error.noRoom'));
        const friends = (await contactsOf(s, bot)).filter((c) => c.kind === 'friend' && !room.members.some((m) => m.id === c.id));
        page(s, ctx, 'room', { title: room.topic || ctx.state.t('rooms.untitled'), info: bot.info(), room, friends: friends.slice(0, 500) });
      },
    },
    {
      method: 'GET',
      path: '/accounts/:id/avatar/:cid',
      access: 'viewer',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const key = `${bot.id}:${ctx.state.params.cid}`;
        let hit = s.avatars.get(key);
        if (!hit || s.clock.now() - hit.at > 600_000) {
          let data: Buffer;
          try {
            data = await bot.media.avatar(ctx.state.params.cid!);
          } catch {
            fail(ctx, 404, ctx.state.t('error.noAvatar'));
          }
          const type = imageType(data);
          if (!type) fail(ctx, 404, ctx.state.t('error.noAvatar'));
          hit = { data, type, at: s.clock.now() };
          s.avatars.set(key, hit);
          if (s.avatars.size > 500) s.avatars.delete(s.avatars.keys().next().value!);
        }
        ctx.type = hit.type;
        ctx.set('Cache-Control', 'private, max-age=600');
        ctx.body = hit.data;
      },
    },
    {
      method: 'POST',
      path: '/accounts/:id/contacts/:cid/remark',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const remark = field(ctx, 'remark').trim().slice(0, 64);
        await op(ctx, () => bot.contacts.setRemark(ctx.state.params.cid!, remark));
        await audit(s, ctx, 'contact.remark', `${bot.id}/${ctx.state.params.cid}`, { remark });
        back(ctx, `/accounts/${encodeURIComponent(bot.id)}/contacts`, 'flash.saved');
      },
    },
    {
      method: 'POST',
      path: '/accounts/:id/friend-requests/accept',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const list = s.friendRequests.get(bot.id) ?? [];
        const req = list.find((r) => r.contactId === field(ctx, 'contactId'));
        if (!req) fail(ctx, 404, ctx.state.t('error.noRequest'));
        await op(ctx, () => bot.contacts.acceptFriend(req));
        s.friendRequests.set(
          bot.id,
          list.filter((r) => r !== req),
        );
        await audit(s, ctx, 'friend.accept', `${bot.id}/${req.contactId}`, { name: req.name });
        back(ctx, `/accounts/${encodeURIComponent(bot.id)}/contacts`, 'flash.accepted');
      },
    },
    {
      method: 'POST',
      path: '/accounts/:id/rooms/:room/invite',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const ids = fields(ctx, 'member').filter(Boolean);
        if (!ids.length) fail(ctx, 422, ctx.state.t('rooms.pickMembers'));
        await op(ctx, () => bot.contacts.addMembers(ctx.state.params.room!, ids));
        await audit(s, ctx, 'room.invite', `${bot.id}/${ctx.state.params.room}`, { members: ids });
        back(ctx, roomPath(bot.id, ctx.state.params.room!), 'flash.invited');
      },
    },
    {
      method: 'POST',
      path: '/accounts/:id/rooms/:room/remove',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const ids = fields(ctx, 'member').filter(Boolean);
        if (!ids.length) fail(ctx, 422, ctx.state.t('rooms.pickMembers'));
        await op(ctx, () => bot.contacts.removeMembers(ctx.state.params.room!, ids));
        await audit(s, ctx, 'room.remove', `${bot.id}/${ctx.state.params.room}`, { members: ids });
        back(ctx, roomPath(bot.id, ctx.state.params.room!), 'flash.removedMembers');
      },
    },
    {
      method: 'POST',
      path: '/accounts/:id/rooms/:room/rename',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const topic = field(ctx, 'topic').trim().slice(0, 100);
        if (!topic) fail(ctx, 422, ctx.state.t('rooms.topicRequired'));
        await op(ctx, () => bot.contacts.setTopic(ctx.state.params.room!, topic));
        await audit(s, ctx, 'room.rename', `${bot.id}/${ctx.state.params.room}`, { topic });
        back(ctx, roomPath(bot.id, ctx.state.params.room!), 'flash.renamed');
      },
    },
  ];
}
