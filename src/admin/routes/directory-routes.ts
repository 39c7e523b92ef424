/**
 * Contacts and rooms of an account: searchable lists with avatars (proxied through the panel, so
 * the browser never talks to WeChat), remarks, member lists, and the operations the transport
 * offers (remark, accept a friend request, invite, remove, rename).
 */
import type { Contact, Room } from '../../transport/model.js';
import { fail, type AdminContext, type RouteDef } from '../router.js';
import { audit, back, botOf, field, fields, page, type Services } from '../services.js';
import type { AdminBot } from '../deps.js';
import { imageType } from '../../util/image-type.js';
import { attemptAction, GoneError, type ActionFailure, type DirectoryAction } from '../directory-failure.js';

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

/** The contact list's search (the remark form sends it back, so a refused remark shows the same list). */
interface ContactFilter {
  q: string;
  kind: string;
}

function filterOf(source: Record<string, unknown>): ContactFilter {
  const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
  return { q: text(source.q), kind: text(source.kind) || 'friend' };
}

/** A refused contact action: the error box's sentence, and the remark form's row with what was typed and why the panel refused it. */
interface ContactsDraft {
  failure?: string;
  remark?: { contactId: string; value: string; error?: string };
}

/** A refused group action: the error box's sentence, each form's input as sent, and the field error of the form the panel refused. */
interface RoomDraft {
  failure?: string;
  topic?: string;
  topicError?: string;
  remove?: string[];
  removeError?: string;
  invite?: string[];
  inviteError?: string;
}

const REMARK_MAX = 64;
const TOPIC_MAX = 100;

/** Why a name is refused before WeChat is asked (undefined: it may go). Characters, not UTF-16 units: 64 Chinese characters are 64. */
function tooLong(ctx: AdminContext, value: string, max: number): string | undefined {
  const n = [...value].length;
  return n > max ? ctx.state.t('op.tooLong', { max, n }) : undefined;
}

/**
 * Answer a refused action with the page it was made on (status `status`, what was typed kept by `render`),
 * never a redirect: the typed input must not travel in a URL. A JSON client gets `{error}` instead.
 */
async function refuse(ctx: AdminContext, status: number, text: string, render: () => Promise<void>): Promise<void> {
  if (ctx.accepts('html', 'json') === 'json') fail(ctx, status, text);
  ctx.status = status;
  await render();
}

export function directoryRoutes(s: Services): RouteDef[] {
  const roomPath = (id: string, room: string): string => `/accounts/${encodeURIComponent(id)}/rooms/${encodeURIComponent(room)}`;
  const contactsPath = (id: string, f: ContactFilter): string => {
    const query = new URLSearchParams({ ...(f.q && { q: f.q }), ...(f.kind !== 'friend' && { kind: f.kind }) }).toString();
    return `/accounts/${encodeURIComponent(id)}/contacts${query ? `?${query}` : ''}`;
  };

  /** The contacts page; after a refused remark its contact stays listed (whatever the search shows) with what was typed. */
  const contactsPage = async (ctx: AdminContext, bot: AdminBot, f: ContactFilter, draft: ContactsDraft = {}): Promise<void> => {
    const known = await contactsOf(s, bot);
    const all = known.filter((c) => (f.kind === 'all' || c.kind === f.kind) && matches(f.q, c.name, c.remark, c.alias, c.stableId));
    const shown = all.slice(0, PAGE);
    const edited = draft.remark && !shown.some((c) => c.id === draft.remark!.contactId) ? known.find((c) => c.id === draft.remark!.contactId) : undefined;
    page(s, ctx, 'contacts', {
      title: ctx.state.t('contacts.title'),
      info: bot.info(),
      q: f.q,
      kind: f.kind,
      total: all.length,
      contacts: edited ? [edited, ...shown] : shown,
      requests: s.friendRequests.get(bot.id) ?? [],
      draft,
    });
  };

  /** The groups page (`failure`: why an action on a group that cannot be shown was not done). */
  const roomsPage = async (ctx: AdminContext, bot: AdminBot, q: string, failure?: string): Promise<void> => {
    const all = (await roomsOf(s, bot)).filter((r) => matches(q, r.topic, r.stableId));
    const info = bot.info();
    // An account with no groups: this page says so itself, once (views/rooms.ejs), not the account's capability note too.
    const capabilitySaid = info.lacks?.includes('rooms') ?? false;
    page(s, ctx, 'rooms', { title: ctx.state.t('rooms.title'), info, q, total: all.length, rooms: all.slice(0, PAGE), failure, capabilitySaid });
  };

  /**
   * A group's page; after a refused action with the names, ticks and picks as they were sent. A refusal about a
   * group the account does not have (an iLink account has none; WeChat dissolved it) is said on the groups page.
   */
  const roomPage = async (ctx: AdminContext, bot: AdminBot, draft: RoomDraft = {}): Promise<void> => {
    const room = bot.directory.room(ctx.state.params.room!) ?? (await roomsOf(s, bot)).find((r) => r.id === ctx.state.params.room);
    if (!room && draft.failure) return roomsPage(ctx, bot, '', draft.failure);
    if (!room) fail(ctx, 404, ctx.state.t('error.noRoom'));
    const friends = (await contactsOf(s, bot)).filter((c) => c.kind === 'friend' && !room.members.some((m) => m.id === c.id));
    page(s, ctx, 'room', { title: room.topic || ctx.state.t('rooms.untitled'), info: bot.info(), room, friends: friends.slice(0, 500), draft });
  };

  /** Run an action; a failure is answered with its page (`render`), a fault of weiroto's also logged. Resolves true when it was done. */
  const act = async (
    ctx: AdminContext,
    bot: AdminBot,
    action: DirectoryAction,
    params: Record<string, string>,
    call: () => Promise<unknown>,
    render: (failure: ActionFailure) => Promise<void>,
  ): Promise<boolean> => {
    const failure = await attemptAction(bot, action, { t: ctx.state.t, locale: ctx.state.locale, params }, call);
    if (!failure) return true;
    if (failure.cause !== undefined) ctx.app.emit('error', failure.cause, ctx);
    await refuse(ctx, failure.status, failure.text, () => render(failure));
    return false;
  };

  /** Invite friends into a group, or remove members from it: the ticked ids, kept on the page when refused. */
  const membersRoute = (
    kind: 'invite' | 'remove',
    call: (bot: AdminBot, roomId: string, ids: string[]) => Promise<unknown>,
    flash: 'flash.invited' | 'flash.removedMembers',
  ): RouteDef => ({
    method: 'POST',
    path: `/accounts/:id/rooms/:room/${kind}`,
    access: 'operator',
    handler: async (ctx) => {
      const bot = botOf(s, ctx);
      const roomId = ctx.state.params.room!;
      const ids = fields(ctx, 'member').filter(Boolean);
      const none = ctx.state.t('rooms.pickMembers');
      if (!ids.length) return refuse(ctx, 422, none, () => roomPage(ctx, bot, kind === 'invite' ? { inviteError: none } : { removeError: none }));
      const done = await act(
        ctx,
        bot,
        kind,
        {},
        () => call(bot, roomId, ids),
        (failure) => roomPage(ctx, bot, { failure: failure.text, ...(kind === 'invite' ? { invite: ids } : { remove: ids }) }),
      );
      if (!done) return;
      await audit(s, ctx, `room.${kind}`, `${bot.id}/${roomId}`, { members: ids });
      back(ctx, roomPath(bot.id, roomId), flash);
    },
  });

  return [
    {
      method: 'GET',
      path: '/accounts/:id/contacts',
      access: 'viewer',
      handler: (ctx) => contactsPage(ctx, botOf(s, ctx), filterOf(ctx.query)),
    },
    {
      method: 'GET',
      path: '/accounts/:id/rooms',
      access: 'viewer',
      handler: (ctx) => roomsPage(ctx, botOf(s, ctx), typeof ctx.query.q === 'string' ? ctx.query.q.trim() : ''),
    },
    {
      method: 'GET',
      path: '/accounts/:id/rooms/:room',
      access: 'viewer',
      handler: (ctx) => roomPage(ctx, botOf(s, ctx)),
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
        const t = ctx.state.t;
        const contactId = ctx.state.params.cid!;
        const filter = filterOf(ctx.state.form);
        const remark = field(ctx, 'remark').trim();
        const again = (draft: ContactsDraft) => () => contactsPage(ctx, bot, filter, { ...draft, remark: { contactId, value: remark, ...draft.remark } });
        const long = tooLong(ctx, remark, REMARK_MAX);
        if (long) return refuse(ctx, 422, long, again({ remark: { contactId, value: remark, error: long } }));
        // Its name from the saved list when the account is offline (the live one is empty then); whether it is still there from the live one.
        const known = bot.directory.contact(contactId) ?? (await contactsOf(s, bot)).find((c) => c.id === contactId);
        const done = await act(
          ctx,
          bot,
          'remark',
          { name: known?.remark || known?.name || '' },
          async () => {
            if (!bot.directory.contact(contactId)) throw new GoneError(t('op.noContact'));
            await bot.contacts.setRemark(contactId, remark);
          },
          (failure) => again({ failure: failure.text })(),
        );
        if (!done) return;
        await audit(s, ctx, 'contact.remark', `${bot.id}/${contactId}`, { remark });
        back(ctx, contactsPath(bot.id, filter), 'flash.saved');
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
        const filter = filterOf(ctx.state.form);
        const done = await act(
          ctx,
          bot,
          'accept',
          { name: req?.name ?? '' },
          async () => {
            if (!req) throw new GoneError(ctx.state.t('op.noRequest'));
            await bot.contacts.acceptFriend(req);
          },
          (failure) => contactsPage(ctx, bot, filter, { failure: failure.text }),
        );
        if (!done || !req) return;
        s.friendRequests.set(
          bot.id,
          list.filter((r) => r !== req),
        );
        await audit(s, ctx, 'friend.accept', `${bot.id}/${req.contactId}`, { name: req.name });
        back(ctx, contactsPath(bot.id, filter), 'flash.accepted');
      },
    },
    membersRoute('invite', (bot, roomId, ids) => bot.contacts.addMembers(roomId, ids), 'flash.invited'),
    membersRoute('remove', (bot, roomId, ids) => bot.contacts.removeMembers(roomId, ids), 'flash.removedMembers'),
    {
      method: 'POST',
      path: '/accounts/:id/rooms/:room/rename',
      access: 'operator',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const t = ctx.state.t;
        const roomId = ctx.state.params.room!;
        const topic = field(ctx, 'topic').trim();
        const problem = topic ? tooLong(ctx, topic, TOPIC_MAX) : t('rooms.topicRequired');
        if (problem) return refuse(ctx, 422, problem, () => roomPage(ctx, bot, { topic, topicError: problem }));
        const done = await act(
          ctx,
          bot,
          'rename',
          {},
          () => bot.contacts.setTopic(roomId, topic),
          (failure) => roomPage(ctx, bot, { failure: failure.text, topic }),
        );
        if (!done) return;
        await audit(s, ctx, 'room.rename', `${bot.id}/${roomId}`, { topic });
        back(ctx, roomPath(bot.id, roomId), 'flash.renamed');
      },
    },
  ];
}
