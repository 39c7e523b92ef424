/**
 * The original's callback (`RECVD_MSG_API`) as a webhook format on weiroto's durable outbox: one
 * multipart POST per event with the fields `source`, `isSystemEvent`, `isMentioned`,
 * `isMsgFromSelf`, `type`, `content`, in that order. It carries what the original carried:
 * messages (`text`, `file` with the bytes, `urlLink`, `unknown`), friend requests (`friendship`),
 * the login and logout system events (a logout once per session) and `system_event_error` for a
 * transport error while logged in. Quick replies in the answer are sent back; an attempt that got any HTTP answer is not retried (a retry after a 2xx
 * could send a quick reply twice), only one that got none.
 */
import type { Logger } from '../../logger.js';
import type { Contact, FriendRequest, Message, Room } from '../../transport/model.js';
import type { DeliveryFormat, FormattedRequest } from '../../webhook/format.js';
import type { OutboxEvent } from '../../webhook/events.js';
import type { WebhookEndpoint } from '../../webhook/records.js';
import { guardedPost } from '../../webhook/safe-fetch.js';
import type { CompatAccounts, CompatBot } from './bot-port.js';
import { mimeOfName } from './file-url.js';
import { multipartForm, type FormField } from './multipart-form.js';
import { NOT_JSON_NOTE, queueQuickReply, readAnswer } from './quick-reply.js';
import type { SendSettings } from './send-item.js';
import { contactSide, emptySide, roomSide, type Side, type SourceOptions } from './source.js';
import { CALLBACK_EVENT_TYPES, CALLBACK_FORMAT, CALLBACK_RETRY_ANSWERED } from './format-name.js';

export { CALLBACK_FORMAT, CALLBACK_EVENT_TYPES };

export interface CallbackFormatDeps {
  accounts: () => CompatAccounts;
  source: SourceOptions;
  settings: SendSettings;
  /** API_ALLOW_PRIVATE_URLS, for endpoints registered through the API (the notify callback). */
  allowPrivateUrls: boolean;
  log: Logger;
}

interface StoredEvent {
  type: string;
  account: string;
  data: unknown;
}

const MEDIA = new Set(['image', 'voice', 'video', 'file']);
const MEDIA_DEFAULTS: Record<string, { ext: string; mime: string }> = {
  image: { ext: 'jpg', mime: 'image/jpeg' },
  voice: { ext: 'mp3', mime: 'audio/mpeg' },
  video: { ext: 'mp4', mime: 'video/mp4' },
  file: { ext: 'bin', mime: 'application/octet-stream' },
};

/** A contact by id: the directory's, else (a group member who is no friend) the member's nickname from the room. */
function contactOf(bot: CompatBot, id: string, fallbackName?: string, room?: Room): Contact {
  if (bot.self?.id === id) return bot.self;
  const known = bot.directory.contact(id);
  if (known) return known;
  const member = room?.members.find((m) => m.id === id);
  return {
    id,
    ...(member?.stableId && { stableId: member.stableId }),
    name: member?.name ?? fallbackName ?? '',
    kind: 'stranger',
    gender: 'unknown',
    starred: false,
    pinned: false,
    muted: false,
  };
}

/** The six fields, in the original's order. */
function fields(
  source: { room: Side; to: Side; from: Side },
  f: { system: boolean; mentioned?: boolean; self?: boolean; type: string },
  content: FormField,
): FormField[] {
  return [
    { name: 'source', value: JSON.stringify(source) },
    { name: 'isSystemEvent', value: f.system ? '1' : '0' },
    { name: 'isMentioned', value: f.mentioned ? '1' : '0' },
    { name: 'isMsgFromSelf', value: f.self ? '1' : '0' },
    { name: 'type', value: f.type },
    content,
  ];
}

/** A system event's fields (`source` all empty sides, content `{event, …}`). */
export function systemEventFields(type: string, content: Record<string, unknown>, o: SourceOptions): FormField[] {
  const none = emptySide(o);
  return fields({ room: none, to: none, from: none }, { system: true, type }, { name: 'content', value: JSON.stringify(content) });
}

async function messageFields(bot: CompatBot, m: Message, o: SourceOptions): Promise<FormField[]> {
  const none = emptySide(o);
  const room = m.roomId ? bot.directory.room(m.roomId) : undefined;
  const source = {
    room: room ? roomSide(room, o) : none,
    // Wechaty gives no `to` for group messages.
    to: m.roomId ? none : contactSide(contactOf(bot, m.toId), o),
    from: contactSide(contactOf(bot, m.senderId, m.senderName, room), o),
  };
  const flags = { system: false, mentioned: m.mentionsSelf, self: m.isSelf };
  if (m.type === 'text') return fields(source, { ...flags, type: 'text' }, { name: 'content', value: m.text });
  if (MEDIA.has(m.type)) {
    const data = await bot.transport.download(m);
    const d = MEDIA_DEFAULTS[m.type]!;
    const name = m.media?.fileName || `${m.createdAt}.${d.ext}`;
    const fromName = mimeOfName(name);
    const contentType = m.media?.mimeType ?? (fromName === 'application/octet-stream' ? d.mime : fromName);
    return fields(source, { ...flags, type: 'file' }, { name: 'content', file: { name, data, contentType } });
  }
  if ((m.type === 'link' || m.type === 'music') && m.link) {
    const link = { title: m.link.title, description: m.link.description ?? '', thumbnailUrl: '', url: m.link.url ?? '' };
    return fields(source, { ...flags, type: 'urlLink' }, { name: 'content', value: JSON.stringify(link) });
  }
  return fields(source, { ...flags, type: 'unknown' }, { name: 'content', value: m.text });
}

/**
 * @example
 *   createWebhookService({ ..., formats: { 'wechatbot-webhook': createCallbackFormat({ accounts: () => manager, db, ... }) } });
 */
export function createCallbackFormat(deps: CallbackFormatDeps): DeliveryFormat {
  // Per (endpoint, account): the last login/logout queued, so a session's logout goes out once.
  const lastSession = new Map<string, 'account.login' | 'account.logout' | undefined>();
  const log = deps.log.child({ ns: 'compat:callback' });

  const botOf = (account: string): CompatBot => {
    const bot = deps.accounts().get(account);
    if (!bot) throw new Error(`no account ${account}`);
    return bot;
  };

  const post = async (ep: WebhookEndpoint, form: FormField[]): Promise<void> => {
    const { body, contentType } = multipartForm(form);
    const res = await guardedPost(ep.url, {
      headers: { 'content-type': contentType, 'user-agent': 'weiroto-webhooks' },
      body,
      allowPrivate: ep.source !== 'api' || deps.allowPrivateUrls,
      signal: AbortSignal.timeout(15_000),
      maxBytes: 1024,
    });
    if (res.status < 200 || res.status >= 300) log.warn({ endpoint: ep.id, status: res.status }, 'push-notify callback answered an error');
  };

  return {
    retryAnswered: CALLBACK_RETRY_ANSWERED,
    accepts: async (e: OutboxEvent, ep: WebhookEndpoint, outbox) => {
      if (!(CALLBACK_EVENT_TYPES as readonly string[]).includes(e.type)) return false;
      if (e.type !== 'account.login' && e.type !== 'account.logout') return true;
      const key = `${ep.id}|${e.account}`;
      const last = lastSession.has(key) ? lastSession.get(key) : await outbox.lastSessionEvent(ep.id, e.account);
      // A logout only after a login; a second logout for the same session is dropped.
      if (e.type === 'account.logout' && last !== 'account.login') return false;
      lastSession.set(key, e.type);
      return true;
    },
    build: async (row): Promise<FormattedRequest> => {
      const ev = JSON.parse(row.body) as StoredEvent;
      const bot = botOf(ev.account);
      const o = deps.source;
      let form: FormField[];
      if (ev.type === 'message.received') form = await messageFields(bot, ev.data as Message, o);
      else if (ev.type === 'friend.request') {
        const r = ev.data as FriendRequest;
        const none = emptySide(o);
        form = fields(
          { room: none, to: none, from: none },
          { system: false, type: 'friendship' },
          { name: 'content', value: JSON.stringify({ name: r.name, hello: r.greeting }) },
        );
      } else if (ev.type === 'account.login' || ev.type === 'account.logout') {
        const self = (ev.data as { self?: Contact }).self ?? bot.self;
        const event = ev.type === 'account.login' ? 'login' : 'logout';
        form = systemEventFields(`system_event_${event}`, { event, user: self ? contactSide(self, o) : {} }, o);
      } else if (ev.type === 'account.error') {
        // The original posted Wechaty's error while logged in: `{event: "error", error, user}`.
        const { error } = ev.data as { error: unknown };
        form = systemEventFields('system_event_error', { event: 'error', error, user: bot.self ? contactSide(bot.self, o) : {} }, o);
      } else throw new Error(`the ${CALLBACK_FORMAT} format does not carry ${ev.type}`);
      const { body, contentType } = multipartForm(form);
      return { headers: { 'content-type': contentType }, body };
    },
    onAnswer: async (row, ep, text) => {
      const ev = JSON.parse(row.body) as StoredEvent;
      if (ev.type !== 'message.received' && ev.type !== 'friend.request') return undefined;
      const answer = readAnswer(text);
      if (!answer) return NOT_JSON_NOTE;
      if (answer.success !== true) return ev.type === 'friend.request' ? 'friend request left pending (success is not true)' : undefined;
      const bot = botOf(ev.account);
      let target: { chatId: string; to: string; isRoom: boolean };
      let note: string | undefined;
      if (ev.type === 'friend.request') {
        const r = ev.data as FriendRequest;
        await bot.transport.acceptFriend(r);
        note = 'friend request accepted';
        target = { chatId: r.contactId, to: r.name, isRoom: false };
      } else {
        const m = ev.data as Message;
        const room = m.roomId ? bot.directory.room(m.roomId) : undefined;
        target = { chatId: m.chatId, to: room ? room.topic : contactOf(bot, m.senderId, m.senderName).name, isRoom: !!m.roomId };
      }
      if (answer.data === undefined) return note;
      const result = await queueQuickReply(bot, target, answer.data, `compat:${ep.id}:${row.webhookId}`, deps.settings);
      // The notify callback waits for WeChat; the delivery itself is done once the replies are queued.
      void result()
        .then((r) =>
          post(
            ep,
            systemEventFields(
              'system_event_push_notify',
              { event: 'notifyOfRecvdApiPushMsg', recvdApiReplyNotify: { ...r.body, status: r.status } },
              deps.source,
            ),
          ),
        )
        .catch((e: unknown) => log.warn({ err: e, endpoint: ep.id }, 'push-notify callback failed'));
      return [note, 'quick reply queued'].filter(Boolean).join('; ');
    },
  };
}
