/**
 * Messages a contact (or a group member) sends to a sandbox account, in every type the web
 * protocol delivers (protocol.md §10.4–§10.8), built exactly as the server would put them into
 * AddMsgList: group prefixes, escaping, XML payloads, media for downloads.
 */
import { createHash } from 'node:crypto';
import { escapeContent, escapeName, escapeXmlPayload } from './format.js';
import { newMediaId, newMsgId, newOldMsgId, randHex } from './ids.js';
import { SAMPLE_GIF, SAMPLE_MP3, SAMPLE_MP4, SAMPLE_PNG, mimeOf } from './media.js';
import { appMsgXml, cardXml, emojiXml, friendRequestXml, imageXml, locationOriXml, revokeXml, videoXml, voiceXml } from './payloads.js';
import type { Session } from './session.js';
import { SandboxError, type SandboxState } from './state.js';
import { texts } from './texts.js';
import { addMsg, type WireAddMsg } from './wire.js';
import { displayNameIn, findPerson, findRoom, makePerson, type Account, type Person, type Room } from './world.js';

export const INJECT_TYPES = ['text', 'image', 'voice', 'video', 'file', 'emoticon', 'link', 'location', 'card', 'friend-request', 'system', 'recall'] as const;
export type InjectType = (typeof INJECT_TYPES)[number];

export interface InjectInput {
  account?: string | number;
  /** Author by id or name; in a room a member's id, nickname or group display name; `self` = the account from its phone. */
  from?: string;
  room?: string;
  type?: string;
  text?: string;
  /** Base64 media bytes for image/voice/video/file/emoticon (samples when absent). */
  data?: string;
  fileName?: string;
  url?: string;
  lat?: number;
  lng?: number;
  /** For `card`: whom the card shows (id or name). */
  card?: string;
  /** For `emoticon`: a store sticker (HasProductId 1, downloads empty). */
  store?: boolean;
  /** For `recall`: the MsgId being recalled. */
  msgId?: string;
}

export interface Delivery {
  account: Account;
  session: Session;
}

/** The account and its live session, or a clear 409. */
export function liveSession(st: SandboxState, ref: string | number | undefined): Delivery {
  const account = st.account(ref);
  if (!account) throw new SandboxError(404, `no account ${String(ref)}`);
  const session = st.sessionOf(account);
  if (!session) throw new SandboxError(409, `account ${account.id} is not logged in`);
  return { account, session };
}

function memberOf(account: Account, room: Room, ref: string): string | undefined {
  for (const m of room.members) {
    if (m.id === ref || m.displayName === ref) return m.id;
    const p = account.people.get(m.id);
    if (p && (p.nick === ref || p.remark === ref)) return m.id;
  }
  return undefined;
}

/** Inject one message; answers the MsgId it carries. */
export function injectMessage(st: SandboxState, input: InjectInput): { msgId: string } {
  const type = (input.type ?? 'text') as InjectType;
  if (!INJECT_TYPES.includes(type)) throw new SandboxError(400, `type must be one of ${INJECT_TYPES.join(', ')}`);
  const { account, session: s } = liveSession(st, input.account);
  if (type === 'friend-request') return friendRequest(st, s, input.from ?? '', input.text ?? '');
  const room = input.room ? findRoom(account, input.room) : undefined;
  if (input.room && !room) throw new SandboxError(404, `no group ${input.room} for ${account.id}`);
  if (room && !room.active) throw new SandboxError(409, `the account is no longer in ${room.topic}`);
  const fromRef = input.from ?? '';
  const self = fromRef === 'self' || fromRef === account.id;
  let fromId: string;
  let peer: Person | undefined;
  if (self) fromId = account.id;
  else if (room) {
    const m = memberOf(account, room, fromRef);
    if (!m) throw new SandboxError(404, `${fromRef} is not a member of ${room.topic}`);
    fromId = m;
  } else {
    peer = findPerson(account, fromRef);
    if (!peer || peer.kind === 'stranger') throw new SandboxError(404, `no contact ${fromRef} for ${account.id}`);
    fromId = peer.id;
  }
  if (self && !room && !input.room) {
    // A message the account sends from its phone needs a peer: `text` goes to filehelper by default.
    peer = account.people.get('filehelper');
  }
  const chatId = room ? room.id : self ? 'filehelper' : fromId;
  const msgId = newMsgId(st.rand);
  const now = Math.floor(st.now() / 1000);
  const chatName = room ? s.userName(room.id) : s.userName(chatId);
  const base = self
    ? { MsgId: msgId, FromUserName: s.selfName, ToUserName: chatName, CreateTime: now }
    : { MsgId: msgId, FromUserName: chatName, ToUserName: s.selfName, CreateTime: now };
  // Group messages from others carry `@member:<br/>` (§10.5); own group messages do not.
  const prefix = room && !self ? `${s.userName(fromId)}:<br/>` : '';
  const text = input.text ?? '';
  const bytes = input.data ? Buffer.from(input.data, 'base64') : undefined;
  let msg: WireAddMsg;
  let fileName: string | undefined;
  let mediaKey: string | undefined;
  const store = (b: Buffer, name: string, key = `msg:${msgId}`): void => {
    st.media.put(key, { bytes: b, name, mime: mimeOf(name), account: account.id });
    st.msgMedia.set(msgId, key);
    mediaKey = key;
    fileName = name;
  };
  switch (type) {
    case 'text':
      msg = addMsg({ ...base, MsgType: 1, Content: prefix + escapeContent(text) });
      break;
    case 'image': {
      const b = bytes ?? SAMPLE_PNG;
      store(b, input.fileName ?? 'image.png');
      const md5 = createHash('md5').update(b).digest('hex');
      msg = addMsg({
        ...base,
        MsgType: 3,
        Content: prefix + escapeXmlPayload(imageXml({ fromId, md5, length: b.length, width: 120, height: 90 })),
        ImgStatus: 2,
        ImgWidth: 120,
        ImgHeight: 90,
      });
      break;
    }
    case 'voice': {
      const b = bytes ?? SAMPLE_MP3;
      store(b, input.fileName ?? 'voice.mp3');
      const ms = 1000 + (b.length % 5000);
      msg = addMsg({ ...base, MsgType: 34, Content: prefix + escapeXmlPayload(voiceXml({ fromId, ms, length: b.length })), VoiceLength: ms });
      break;
    }
    case 'video': {
      const b = bytes ?? SAMPLE_MP4;
      store(b, input.fileName ?? 'video.mp4');
      const md5 = createHash('md5').update(b).digest('hex');
      msg = addMsg({
        ...base,
        MsgType: 43,
        Content: prefix + escapeXmlPayload(videoXml({ fromId, seconds: 3, length: b.length, md5 })),
        PlayLength: 3,
        ImgWidth: 160,
        ImgHeight: 90,
        ImgStatus: 1,
      });
      break;
    }
    case 'file': {
      const name = input.fileName ?? 'notes.txt';
      const b = bytes ?? Buffer.from(text || 'sandbox file\n', 'utf8');
      const mediaId = newMediaId(st.rand);
      store(b, name, mediaId);
      const ext = /\.([^.]+)$/.exec(name)?.[1] ?? '';
      msg = addMsg({
        ...base,
        MsgType: 49,
        AppMsgType: 6,
        FileName: escapeName(name),
        FileSize: String(b.length),
        MediaId: mediaId,
        EncryFileName: encodeURIComponent(name).replace(/\./g, '%2E'),
        Content:
          prefix +
          escapeXmlPayload(appMsgXml({ type: 6, title: name, totallen: b.length, attachid: mediaId, fileext: ext, fromId, appid: 'wx6618f1cfc6c132f8' })),
        AppInfo: { AppID: 'wx6618f1cfc6c132f8', Type: 0 },
      });
      break;
    }
    case 'emoticon': {
      const storeSticker = input.store === true;
      const b = storeSticker ? Buffer.alloc(0) : (bytes ?? SAMPLE_GIF);
      store(b, 'sticker.gif');
      const md5 = createHash('md5')
        .update(storeSticker ? msgId : b)
        .digest('hex');
      msg = addMsg({
        ...base,
        MsgType: 47,
        Content: prefix + escapeXmlPayload(emojiXml({ fromId, toId: account.id, md5, len: b.length, store: storeSticker })),
        HasProductId: storeSticker ? 1 : 0,
        ImgStatus: 2,
      });
      break;
    }
    case 'link': {
      const url = input.url ?? 'https://example.com/article';
      const title = text || 'A shared link';
      msg = addMsg({
        ...base,
        MsgType: 49,
        AppMsgType: 5,
        FileName: escapeName(title),
        Url: url,
        Content: prefix + escapeXmlPayload(appMsgXml({ type: 5, title, des: 'Shared from the sandbox', url, fromId })),
      });
      break;
    }
    case 'location': {
      const lat = input.lat ?? 22.543;
      const lng = input.lng ?? 114.057;
      const label = text || '深圳市南山区科技园';
      msg = addMsg({
        ...base,
        MsgType: 1,
        SubMsgType: 48,
        Content: `${prefix}${escapeContent(label)}:<br/>/cgi-bin/mmwebwx-bin/webwxgetpubliclinkimg?url=xxx&msgid=${msgId}&pictype=location`,
        Url: `http://apis.map.qq.com/uri/v1/geocoder?coord=${lat},${lng}`,
        OriContent: locationOriXml({ lat, lng, label }),
      });
      break;
    }
    case 'card': {
      const shown = findPerson(account, input.card ?? '') ?? makePerson(st.rand, 'stranger');
      const official = shown.kind === 'official';
      const cardId = official ? shown.id : `v1_${randHex(st.rand, 24)}@stranger`;
      msg = addMsg({
        ...base,
        MsgType: 42,
        Content:
          prefix +
          escapeXmlPayload(cardXml({ id: cardId, nick: shown.nick, alias: shown.alias, province: shown.province, city: shown.city, sex: shown.sex, official })),
        RecommendInfo: {
          UserName: s.userName(shown.id),
          NickName: escapeName(shown.nick),
          QQNum: 0,
          Province: shown.province,
          City: shown.city,
          Content: '',
          Signature: '',
          Alias: shown.alias,
          Scene: 17,
          VerifyFlag: official ? 24 : 0,
          AttrStatus: 0,
          Sex: shown.sex,
          Ticket: '',
          OpCode: 0,
        },
      });
      break;
    }
    case 'system':
      msg = addMsg({ ...base, MsgType: 10000, Content: escapeContent(text), Status: 4 });
      break;
    case 'recall': {
      if (!input.msgId) throw new SandboxError(400, 'recall needs msgId (the MsgId being recalled)');
      const who = displayNameIn(account, room, fromId);
      const xml = revokeXml({ session: room ? room.id : fromId, msgId: input.msgId, oldMsgId: newOldMsgId(st.rand), replace: texts.recalledBy(s.lang, who) });
      msg = addMsg({ ...base, MsgType: 10002, Content: prefix + escapeXmlPayload(xml), Status: 4 });
      break;
    }
    default:
      throw new SandboxError(400, `unsupported type ${String(type)}`);
  }
  s.enqueue({ kind: 'msg', msg });
  st.counters.injected += 1;
  st.record({
    account: account.id,
    dir: self ? 'out' : 'in',
    chat: chatId,
    chatName: room ? room.topic : ((peer ?? account.people.get(chatId))?.nick ?? chatId),
    from: fromId,
    fromName: displayNameIn(account, room, fromId),
    type,
    text: type === 'recall' ? (input.msgId ?? '') : text,
    msgId,
    ...(fileName !== undefined ? { fileName } : {}),
    ...(mediaKey !== undefined ? { mediaKey } : {}),
  });
  return { msgId };
}

/** A stranger asks to be friends: MsgType 37 from `fmessage` with RecommendInfo (§10.4, §15 #40). */
export function friendRequest(st: SandboxState, s: Session, nick: string, greeting: string): { msgId: string } {
  const account = s.account;
  let p = nick ? findPerson(account, nick) : undefined;
  if (p && p.kind !== 'stranger') throw new SandboxError(409, `${nick} is already a contact`);
  if (!p) {
    p = makePerson(st.rand, 'stranger', undefined, nick || undefined);
    account.people.set(p.id, p);
    s.invalidateNames();
  }
  const ticket = `v2_${randHex(st.rand, 48)}@stranger`;
  st.friendTickets.set(ticket, { account: account.id, person: p.id, greeting });
  const msgId = newMsgId(st.rand);
  const g = greeting || `我是${p.nick}`;
  const xml = friendRequestXml({
    fromId: p.id,
    encrypt: `v1_${randHex(st.rand, 24)}@stranger`,
    nick: p.nick,
    greeting: g,
    ticket,
    province: p.province,
    city: p.city,
    sex: p.sex,
    alias: p.alias,
  });
  s.enqueue({
    kind: 'msg',
    msg: addMsg({
      MsgId: msgId,
      FromUserName: 'fmessage',
      ToUserName: s.selfName,
      MsgType: 37,
      CreateTime: Math.floor(st.now() / 1000),
      Content: escapeXmlPayload(xml),
      Status: 3,
      RecommendInfo: {
        UserName: s.userName(p.id),
        NickName: escapeName(p.nick),
        QQNum: 0,
        Province: p.province,
        City: p.city,
        Content: escapeName(g),
        Signature: escapeName(p.signature),
        Alias: p.alias,
        Scene: 14,
        VerifyFlag: 0,
        AttrStatus: 33656933,
        Sex: p.sex,
        Ticket: ticket,
        OpCode: 2,
      },
      Ticket: ticket,
    }),
  });
  st.counters.injected += 1;
  st.record({ account: account.id, dir: 'in', chat: 'fmessage', chatName: 'fmessage', from: p.id, fromName: p.nick, type: 'friend-request', text: g, msgId });
  return { msgId };
}
