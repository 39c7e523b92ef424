/**
 * RawAddMsg → domain Message and events (§10.3–§10.9). Pure: everything it needs about the
 * session comes in through `ParseContext`. Handles every MsgType / AppMsgType of §10.4.
 */
import type { FriendRequest, LinkInfo, MediaInfo, Message, MessageType, Recall } from '../transport/model.js';
import type { RawAddMsg } from './raw-types.js';
import { genderOf, isRoomId, VERIFY_FLAG_BIZ_BRAND } from './parse-contact.js';
import { parseSystemText, type SystemFact } from './parse-system.js';
import { decodeText, unescapeXmlPayload } from './text.js';
import { xmlAttr, xmlText } from './xml-lite.js';

export const MSG = {
  TEXT: 1,
  IMAGE: 3,
  VOICE: 34,
  VERIFY: 37,
  POSSIBLE_FRIEND: 40,
  CARD: 42,
  VIDEO: 43,
  EMOTICON: 47,
  LOCATION: 48,
  APP: 49,
  VOIP: 50,
  STATUS_NOTIFY: 51,
  VOIP_NOTIFY: 52,
  VOIP_INVITE: 53,
  MICRO_VIDEO: 62,
  SYS_NOTICE: 9999,
  SYS: 10000,
  RECALLED: 10002,
} as const;

export const APP = {
  TEXT: 1,
  IMG: 2,
  AUDIO: 3,
  VIDEO: 4,
  URL: 5,
  ATTACH: 6,
  OPEN: 7,
  EMOJI: 8,
  REALTIME_LOCATION: 17,
  CHAT_HISTORY: 19,
  MINI_PROGRAM: 33,
  MINI_PROGRAM_2: 36,
  TRANSFERS: 2000,
  RED_ENVELOPES: 2001,
} as const;

export interface ParseContext {
  /** Own UserName of this login. */
  selfId: string;
  /** Names this account answers to in a room (group display name, nickname) for @-detection. */
  selfNamesIn(roomId: string): readonly string[];
  /** Best-known display name of a contact or room member. */
  nameOf(id: string, roomId?: string): string | undefined;
}

/** Facts derived from a message besides (or instead of) the chat message itself. */
export type MessageEvent =
  | { kind: 'friend-request'; request: FriendRequest }
  | { kind: 'recall'; recall: Recall }
  | { kind: 'system'; roomId?: string; chatId: string; fact: SystemFact; at: number }
  | { kind: 'status'; code: number; chatId?: string; userNames: string[]; stableIds: string[] };

export interface ParsedAddMsg {
  /** A chat message for the `message` event (absent for status notify, recall, friend request…). */
  message?: Message;
  event?: MessageEvent;
}

const TYPE_TEXT: Record<MessageType, string> = {
  text: '',
  image: '[image]',
  voice: '[voice]',
  video: '[video]',
  emoticon: '[sticker]',
  file: '[file]',
  link: '[link]',
  music: '[music]',
  location: '[location]',
  'contact-card': '[contact card]',
  'mini-program': '[mini program]',
  'red-packet': '[red packet: view on phone]',
  transfer: '[transfer: view on phone]',
  call: '[call]',
  system: '',
  unknown: '[unsupported message, view on phone]',
};

/**
 * Group sender prefix `<id>:<br/>` (§10.5): the id is `@` + letters/digits, or a plain run of
 * letters, digits, `_` and `-`. Returns the index after the prefix, or -1.
 */
export function senderPrefix(content: string): { sender: string; rest: number } | undefined {
  // Ids are at most ~80 chars (`@` + 64 hex); look no further so long texts cost nothing.
  const sep = content.indexOf(':<br/>');
  if (sep <= 0 || sep > 100) return undefined;
  const id = content.slice(0, sep);
  if (!/^(?:@[a-zA-Z0-9]+|[a-zA-Z0-9_-]+)$/.test(id)) return undefined;
  return { sender: id, rest: sep + 6 };
}

/**
 * Display names @-mentioned in a decoded text. A mention is `@name` followed by U+2005 (mobile),
 * a plain space (PC/web; only when the text has no U+2005) or the end of the text.
 */
export function extractMentions(text: string): string[] {
  if (text.indexOf('@') === -1) return [];
  const out: string[] = [];
  const re = text.indexOf('\u2005') !== -1 ? /@([^@\u2005\n]+?)(?=\u2005|$)/g : /@([^@\s]+)(?=\s|$)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) if (m[1]) out.push(m[1]);
  return out;
}

/** Whether `text` @-mentions one of `names` (itchat's IsAt rule, plus the at-the-end case). */
export function mentionsAny(text: string, names: readonly string[]): boolean {
  if (text.indexOf('@') === -1) return false;
  for (const n of names) {
    if (!n) continue;
    const tag = `@${n}`;
    let i = text.indexOf(tag);
    while (i !== -1) {
      const after = text.charCodeAt(i + tag.length);
      if (Number.isNaN(after) || after === 0x2005 || after === 0x20 || after === 0x0a) return true;
      i = text.indexOf(tag, i + 1);
    }
  }
  return false;
}

function num(v: string | number | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function parseLocation(label: string, raw: RawAddMsg): Message['location'] {
  const loc: NonNullable<Message['location']> = { label };
  if (raw.OriContent) {
    const x = num(xmlAttr(raw.OriContent, 'location', 'x'));
    const y = num(xmlAttr(raw.OriContent, 'location', 'y'));
    const lbl = xmlAttr(raw.OriContent, 'location', 'label');
    const poi = xmlAttr(raw.OriContent, 'location', 'poiname');
    if (x !== undefined) loc.lat = x;
    if (y !== undefined) loc.lng = y;
    if (lbl) loc.label = lbl;
    if (poi) loc.poi = poi;
  }
  if (loc.lat === undefined && raw.Url) {
    const m = /coord=(-?[\d.]+),(-?[\d.]+)/.exec(raw.Url);
    if (m) {
      loc.lat = Number(m[1]);
      loc.lng = Number(m[2]);
    }
  }
  return loc;
}

interface AppParse {
  type: MessageType;
  text: string;
  link?: LinkInfo;
  media?: MediaInfo;
  location?: Message['location'];
}

function parseApp(raw: RawAddMsg, xml: string): AppParse {
  const appType = raw.AppMsgType || num(xmlText(xml, 'type')) || 0;
  const title = xmlText(xml, 'title') ?? decodeText(raw.FileName);
  const des = xmlText(xml, 'des');
  const url = xmlText(xml, 'url') || raw.Url || undefined;
  const appName = xmlText(xml, 'appname');
  const link: LinkInfo = { title: title ?? '', appType };
  if (des) link.description = des;
  if (url) link.url = url;
  if (appName) link.appName = appName;
  switch (appType) {
    case APP.ATTACH: {
      const media: MediaInfo = { fileName: decodeText(raw.FileName) || title || 'file' };
      if (raw.MediaId) media.mediaId = raw.MediaId;
      const size = num(raw.FileSize) ?? num(xmlText(xml, 'totallen'));
      if (size !== undefined) media.fileSize = size;
      return { type: 'file', text: `[file] ${media.fileName}`, media };
    }
    case APP.URL:
    case APP.VIDEO:
    case APP.OPEN:
    case APP.CHAT_HISTORY:
    case APP.TEXT:
    case 0:
      // Article pushes (mmreader) carry the first item's title/url when appmsg has none.
      if (!link.title) link.title = xmlText(xml, 'title', xml.indexOf('<item')) ?? '';
      return { type: appType === APP.TEXT ? 'text' : 'link', text: appType === APP.TEXT ? link.title : `[link] ${link.title}`, link };
    case APP.AUDIO:
      return { type: 'music', text: `[music] ${link.title}`, link };
    case APP.IMG:
      return { type: 'image', text: TYPE_TEXT.image, ...(raw.MediaId ? { media: { mediaId: raw.MediaId } } : {}) };
    case APP.EMOJI: {
      const md5 = xmlText(xml, 'emoticonmd5') || xmlText(xml, 'md5');
      return { type: 'emoticon', text: TYPE_TEXT.emoticon, media: { ...(md5 ? { md5 } : {}), storeSticker: raw.HasProductId === 1 } };
    }
    case APP.REALTIME_LOCATION:
      return { type: 'location', text: `[location] ${decodeText(raw.FileName) || link.title}`, location: { label: decodeText(raw.FileName) || link.title } };
    case APP.MINI_PROGRAM:
    case APP.MINI_PROGRAM_2:
      return { type: 'mini-program', text: `[mini program] ${link.title}`, link };
    case APP.TRANSFERS:
      return { type: 'transfer', text: TYPE_TEXT.transfer, link };
    case APP.RED_ENVELOPES:
      return { type: 'red-packet', text: TYPE_TEXT['red-packet'], link };
    default:
      return { type: 'unknown', text: link.title ? `[app] ${link.title}` : TYPE_TEXT.unknown, link };
  }
}

function parseRecall(xml: string, chatId: string, byId: string, bySelf: boolean, at: number): Recall {
  return {
    chatId,
    messageId: xmlText(xml, 'msgid') ?? '0',
    byId,
    bySelf,
    notice: xmlText(xml, 'replacemsg') ?? '',
    at,
  };
}

function parseFriendRequest(raw: RawAddMsg, at: number): FriendRequest {
  const ri = raw.RecommendInfo;
  const xml = unescapeXmlPayload(raw.Content);
  const req: FriendRequest = {
    contactId: ri?.UserName ?? '',
    name: decodeText(ri?.NickName) || xmlAttr(xml, 'msg', 'fromnickname') || '',
    greeting: decodeText(ri?.Content) || xmlAttr(xml, 'msg', 'content') || '',
    ticket: ri?.Ticket || xmlAttr(xml, 'msg', 'ticket') || '',
    gender: genderOf(ri?.Sex),
    receivedAt: at,
  };
  const stable = xmlAttr(xml, 'msg', 'fromusername');
  if (stable) req.stableId = stable;
  if (ri?.Alias) req.alias = ri.Alias;
  if (ri?.Scene) req.scene = ri.Scene;
  if (ri?.Province) req.province = ri.Province;
  if (ri?.City) req.city = ri.City;
  return req;
}

/**
 * Parse one AddMsg. Never throws on odd content: unknown shapes become `unknown` messages.
 *
 * @example const { message, event } = parseAddMsg(raw, ctx);
 */
export function parseAddMsg(raw: RawAddMsg, ctx: ParseContext): ParsedAddMsg {
  const type = raw.MsgType;
  const at = (raw.CreateTime || 0) * 1000;
  const from = raw.FromUserName ?? '';
  const to = raw.ToUserName ?? '';
  // §10.7: outgoing when From is self (or empty, as the official client treats it).
  const isSelf = from === ctx.selfId || from === '';

  if (type === MSG.STATUS_NOTIFY) {
    const code = raw.StatusNotifyCode;
    if (code === 4) {
      const userNames = raw.StatusNotifyUserName ? raw.StatusNotifyUserName.split(',') : [];
      const xml = unescapeXmlPayload(raw.Content);
      const list = xmlText(xml, 'username');
      return { event: { kind: 'status', code, userNames, stableIds: list ? list.split(',') : [] } };
    }
    return { event: { kind: 'status', code, ...(raw.StatusNotifyUserName ? { chatId: raw.StatusNotifyUserName } : {}), userNames: [], stableIds: [] } };
  }
  if (type === MSG.VERIFY) {
    // The official client ignores requests whose RecommendInfo is ourselves.
    if (raw.RecommendInfo?.UserName === ctx.selfId) return {};
    return { event: { kind: 'friend-request', request: parseFriendRequest(raw, at) } };
  }
  if (type === MSG.SYS_NOTICE || type === MSG.POSSIBLE_FRIEND) return {};

  const peer = isSelf ? to : from;
  const roomId = isRoomId(from) ? from : isRoomId(to) ? to : undefined;
  let senderId = from;
  let content = raw.Content ?? '';
  if (roomId !== undefined && !isSelf) {
    const p = senderPrefix(content);
    if (p) {
      senderId = p.sender;
      content = content.slice(p.rest);
    }
  }
  if (isSelf) senderId = ctx.selfId;

  if (type === MSG.RECALLED) {
    return { event: { kind: 'recall', recall: parseRecall(unescapeXmlPayload(content), peer, senderId, isSelf, at) } };
  }

  const msg: Message = {
    id: String(raw.MsgId),
    type: 'text',
    chatId: roomId ?? peer,
    senderId,
    toId: to,
    isSelf,
    text: '',
    mentionsSelf: false,
    mentions: [],
    createdAt: at,
  };
  if (roomId !== undefined) msg.roomId = roomId;
  const senderName = ctx.nameOf(senderId, roomId);
  if (senderName) msg.senderName = senderName;

  let event: MessageEvent | undefined;
  switch (type) {
    case MSG.TEXT:
      if (raw.SubMsgType === MSG.LOCATION) {
        const sep = content.indexOf(':<br/>');
        const label = decodeText(sep === -1 ? content : content.slice(0, sep));
        msg.type = 'location';
        msg.location = parseLocation(label, raw);
        msg.text = `[location] ${msg.location?.label ?? label}`;
      } else if (raw.AppMsgType === APP.RED_ENVELOPES) {
        msg.type = 'red-packet';
        msg.text = TYPE_TEXT['red-packet'];
      } else {
        msg.text = decodeText(content);
      }
      break;
    case MSG.IMAGE:
      msg.type = 'image';
      msg.text = TYPE_TEXT.image;
      msg.media = imageMedia(raw);
      break;
    case MSG.VOICE:
      msg.type = 'voice';
      msg.text = TYPE_TEXT.voice;
      msg.media = { durationMs: raw.VoiceLength || 0, mimeType: 'audio/mpeg' };
      break;
    case MSG.VIDEO:
    case MSG.MICRO_VIDEO:
      msg.type = 'video';
      msg.text = TYPE_TEXT.video;
      msg.media = { ...imageMedia(raw), durationMs: (raw.PlayLength || 0) * 1000, mimeType: 'video/mp4' };
      break;
    case MSG.EMOTICON: {
      const xml = unescapeXmlPayload(content);
      const md5 = xmlAttr(xml, 'emoji', 'md5');
      msg.type = 'emoticon';
      msg.text = TYPE_TEXT.emoticon;
      msg.media = { storeSticker: raw.HasProductId === 1 };
      if (md5) msg.media.md5 = md5;
      const w = num(xmlAttr(xml, 'emoji', 'width'));
      const h = num(xmlAttr(xml, 'emoji', 'height'));
      if (w) msg.media.width = w;
      if (h) msg.media.height = h;
      break;
    }
    case MSG.CARD: {
      const xml = unescapeXmlPayload(content);
      const ri = raw.RecommendInfo;
      const name = decodeText(ri?.NickName) || xmlAttr(xml, 'msg', 'nickname') || '';
      msg.type = 'contact-card';
      msg.text = `[contact card] ${name}`;
      msg.card = { name, official: ((ri?.VerifyFlag ?? 0) & VERIFY_FLAG_BIZ_BRAND) !== 0 };
      const id = xmlAttr(xml, 'msg', 'username') || ri?.UserName;
      if (id) msg.card.id = id;
      const alias = ri?.Alias || xmlAttr(xml, 'msg', 'alias');
      if (alias) msg.card.alias = alias;
      break;
    }
    case MSG.APP: {
      const app = parseApp(raw, unescapeXmlPayload(content));
      msg.type = app.type;
      msg.text = app.text;
      if (app.link) msg.link = app.link;
      if (app.media) msg.media = app.media;
      if (app.location) msg.location = app.location;
      break;
    }
    case MSG.LOCATION:
      msg.type = 'location';
      msg.location = parseLocation(decodeText(content), raw);
      msg.text = `[location] ${msg.location?.label ?? ''}`;
      break;
    case MSG.VOIP:
    case MSG.VOIP_NOTIFY:
    case MSG.VOIP_INVITE:
      msg.type = 'call';
      msg.text = TYPE_TEXT.call;
      break;
    case MSG.SYS: {
      msg.type = 'system';
      msg.text = decodeText(content);
      const fact = parseSystemText(msg.text);
      if (fact) event = { kind: 'system', ...(roomId ? { roomId } : {}), chatId: msg.chatId, fact, at };
      break;
    }
    default:
      msg.type = 'unknown';
      msg.text = TYPE_TEXT.unknown;
  }

  if (roomId !== undefined && msg.type === 'text' && !isSelf) {
    msg.mentions = extractMentions(msg.text);
    if (msg.mentions.length > 0) msg.mentionsSelf = mentionsAny(msg.text, ctx.selfNamesIn(roomId));
  }
  return event ? { message: msg, event } : { message: msg };
}

function imageMedia(raw: RawAddMsg): MediaInfo {
  const media: MediaInfo = {};
  if (raw.MediaId) media.mediaId = raw.MediaId;
  if (raw.ImgWidth) media.width = raw.ImgWidth;
  if (raw.ImgHeight) media.height = raw.ImgHeight;
  return media;
}
