/**
 * The message log of an account: search by chat and text, paging by the store's order, live refresh (the page
 * reloads its rows when the account's SSE stream says a message arrived), media previews, recalled
 * messages kept and marked, a send box (text or file), and each message's decision trace.
 */
import type { AdminBot } from '../deps.js';
import type { RecentChat } from '../../store/index.js';
import { chatNameIn } from '../../bot/directory.js';
import { fail, type AdminContext, type RouteDef } from '../router.js';
import { resolveRecipient, searchRecipients, type RecipientSource } from '../recipients.js';
import { audit, back, botOf, field, formatters, page, type Services } from '../services.js';

/** Rows per page the log offers; the first is the default. */
const PAGE_SIZES = [50, 200, 500];

/**
 * A name for a chat id: what the directory calls it now (a room's topic, a contact's remark or
 * nickname), else the name stored with the message (`snapshot`) or with the chat's newest message
 * (`known`): the web protocol's ids change at each login, so older history is named by what was
 * stored. The id itself only as a last resort.
 */
export function chatNamer(bot: AdminBot, known: ReadonlyMap<string, string> = new Map()): (id: string, snapshot?: string) => string {
  return (id, snapshot) => chatNameIn(bot.directory, id) ?? snapshot ?? known.get(id) ?? id;
}

/** chat id → stored name, from the recent chats list. */
function knownNames(chats: RecentChat[]): Map<string, string> {
  return new Map(chats.flatMap((c) => (c.name ? [[c.chatId, c.name] as const] : [])));
}

export function messageRoutes(s: Services): RouteDef[] {
  const recipientsOf = async (bot: AdminBot): Promise<RecipientSource> => ({
    directory: bot.directory,
    hasDirectory: bot.capabilities.has.has('directory'),
    chats: await s.deps.store.messages.recentChats(bot.id, 200),
  });

  /** The message log with its send box; `send` keeps what a refused send typed, with the reason. */
  const messagesPage = async (ctx: AdminContext, bot: AdminBot, send?: { to: string; text: string; error: string }): Promise<void> => {
    const chat = typeof ctx.query.chat === 'string' && ctx.query.chat ? ctx.query.chat : undefined;
    const q = typeof ctx.query.q === 'string' ? ctx.query.q.trim() : '';
    // `before` is the store's sequence number where the previous page stopped (keyset paging).
    const before = Number(ctx.query.before);
    const beforeSeq = Number.isSafeInteger(before) && before > 0 ? before : undefined;
    const per = PAGE_SIZES.find((n) => String(n) === ctx.query.per) ?? PAGE_SIZES[0]!;
    const { items: messages, next } = await s.deps.store.messages.list(bot.id, {
      ...(chat && { chatId: chat }),
      ...(q && { text: q }),
      ...(beforeSeq !== undefined && { beforeSeq }),
      limit: per,
    });
    // The whole page reads the recent chats once, for the send box's recipients, and lists the newest 30 of them: the
    // same 30 a read of 30 gives (or more, when a person's two ids crowd a short read), and each read of them costs a
    // look back through each chat's newest messages for a stored name. The live refresh's rows need only the 30.
    const partial = ctx.query.partial === '1';
    const source = partial ? undefined : await recipientsOf(bot);
    const chats = source ? source.chats.slice(0, 30) : await s.deps.store.messages.recentChats(bot.id, 30);
    const name = chatNamer(bot, knownNames(chats));
    const data = { info: bot.info(), messages, chat, q, per, perChoices: PAGE_SIZES, before: beforeSeq, name, more: next };
    if (!source) {
      ctx.type = 'html';
      ctx.body = s.render('partials/message-rows', { ...ctx.state, ...data, bare: true, fmt: formatters(ctx.state.locale), t: ctx.state.t });
      return;
    }
    // The send box names the open chat as it is called now (its id may be a past login's), by the
    // name when that name means only this chat, else by its id.
    const byId = chat ? resolveRecipient(source, chat) : undefined;
    const current = byId?.ok || !chat ? byId : resolveRecipient(source, name(chat));
    const sendTo = current?.ok ? (resolveRecipient(source, current.recipient.name).ok ? current.recipient.name : current.recipient.id) : '';
    page(s, ctx, 'messages', {
      ...data,
      title: ctx.state.t('messages.title'),
      chats,
      recipients: searchRecipients(source, ''),
      send: send ?? { to: sendTo, text: '', error: '' },
      outbound: await s.deps.store.outbound.list(bot.id, { ...(chat && { chatId: chat }), limit: 10 }),
    });
  };

  return [
    {
      method: 'GET',
      path: '/accounts/:id/messages',
      access: 'viewer',
      handler: (ctx) => messagesPage(ctx, botOf(s, ctx)),
    },
    {
      method: 'GET',
      path: '/accounts/:id/recipients',
      access: 'viewer',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const q = typeof ctx.query.q === 'string' ? ctx.query.q : '';
        ctx.body = { items: searchRecipients(await recipientsOf(bot), q) };
      },
    },
    {
      method: 'POST',
      path: '/accounts/:id/messages',
      access: 'operator',
      multipart: true,
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const t = ctx.state.t;
        const to = field(ctx, 'chat').trim();
        const text = field(ctx, 'text');
        const file = ctx.state.files.find((f) => f.field === 'file' && f.data.length > 0);
        // Refused before anything is queued: an empty or unknown recipient, or nothing to send.
        await bot.prepareSend?.();
        const resolved = to ? resolveRecipient(await recipientsOf(bot), to) : undefined;
        const problem = !to
          ? t('messages.needChat')
          : !resolved?.ok
            ? resolved?.problem === 'ambiguous'
              ? t('messages.ambiguousChat', { name: to, names: resolved.names.join(', ') })
              : t('messages.unknownChat', { name: to })
            : !file && !text.trim()
              ? t('messages.needContent')
              : undefined;
        if (problem !== undefined) {
          if (ctx.accepts('html', 'json') === 'json') fail(ctx, 422, problem);
          ctx.status = 422;
          return messagesPage(ctx, bot, { to, text, error: problem });
        }
        const chat = resolved!.ok ? resolved!.recipient.id : to;
        const key = field(ctx, 'idempotencyKey') || undefined;
        const options = { source: `panel:${ctx.state.user!.username}`, ...(key && { idempotencyKey: key }) };
        const records = [];
        if (file) {
          const type = file.mimeType.startsWith('image/') ? 'image' : file.mimeType.startsWith('video/') ? 'video' : 'file';
          records.push(await bot.send({ id: chat }, { type, file: { name: file.name, data: file.data, mimeType: file.mimeType } }, options));
        }
        if (text.trim()) {
          records.push(await bot.send({ id: chat }, { type: 'text', text }, file && key ? { ...options, idempotencyKey: `${key}:text` } : options));
        }
        await audit(s, ctx, 'message.send', `${bot.id}/${chat}`, { outbound: records.map((r) => r.id), file: file?.name, chars: text.length });
        if (ctx.accepts('html', 'json') === 'json') {
          ctx.body = { outbound: records };
          return;
        }
        back(ctx, `/accounts/${encodeURIComponent(bot.id)}/messages?chat=${encodeURIComponent(chat)}`, 'flash.queued');
      },
    },
    {
      method: 'GET',
      path: '/accounts/:id/messages/:mid/trace',
      access: 'viewer',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const message = await s.deps.store.messages.get(bot.id, ctx.state.params.mid!);
        if (!message) fail(ctx, 404, ctx.state.t('error.noMessage'));
        const traces = await s.deps.store.traces.list(bot.id, { messageId: message.id, limit: 5 });
        const replies = await s.deps.store.outbound.repliesTo(bot.id, message.id);
        const snapshot = message.chatName ?? traces.find((t) => t.chatName)?.chatName;
        const known = new Map(snapshot ? [[message.chatId, snapshot]] : []);
        page(s, ctx, 'trace', { title: ctx.state.t('trace.title'), info: bot.info(), message, traces, replies, name: chatNamer(bot, known) });
      },
    },
    {
      method: 'GET',
      path: '/accounts/:id/messages/:mid/media',
      access: 'viewer',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const message = await s.deps.store.messages.get(bot.id, ctx.state.params.mid!);
        if (!message || !['image', 'video', 'voice', 'file', 'emoticon'].includes(message.type)) fail(ctx, 404, ctx.state.t('error.noMessage'));
        const variant = message.type === 'image' && ctx.query.full !== '1' ? 'thumb' : undefined;
        let data: Buffer;
        try {
          data = await bot.media.download(message, variant);
        } catch (e) {
          fail(ctx, 502, ctx.state.t('error.wechat', { message: (e as Error).message }));
        }
        const image = data[0] === 0xff || data[0] === 0x89 || data.subarray(0, 3).toString('latin1') === 'GIF';
        if (image && (message.type === 'image' || message.type === 'emoticon')) {
          ctx.type = data[0] === 0x89 ? 'image/png' : data[0] === 0xff ? 'image/jpeg' : 'image/gif';
        } else {
          // Anything else is a download, never rendered by the browser.
          ctx.type = 'application/octet-stream';
          ctx.attachment(message.media?.fileName ?? `${message.id}.bin`);
        }
        ctx.set('Cache-Control', 'private, max-age=3600');
        ctx.body = data;
      },
    },
  ];
}
