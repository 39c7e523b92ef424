/**
 * Sending (§6): text (+ @mention helper), image, video, file, emoticon, forward, revoke. Every
 * send returns WeChat's MsgID with the ClientMsgId used, or throws a TransportError carrying Ret.
 * MsgIDs are recorded so their echoes through webwxsync are known as ours (§10.7).
 */
import { TransportError } from '../transport/errors.js';
import type { FileToSend } from '../transport/transport.js';
import type { Message, SentMessage } from '../transport/model.js';
import type { SessionCore } from './core.js';
import type { WebApi } from './api.js';
import { download, uploadMedia } from './media.js';
import type { RawRevokeResponse, RawSendMsg, RawSendResponse } from './raw-types.js';
import { xmlText } from './xml-lite.js';
import { unescapeXmlPayload } from './text.js';
import { MSG } from './parse-message.js';
import { copyWith } from '../util/copy-with.js';

/** Text that @-mentions people: `@name` + U+2005 each, then the text (§6.1). */
export function mentionText(names: readonly string[], text: string): string {
  let s = '';
  for (const n of names) s += `@${n}\u2005`;
  return s + text;
}

function selfId(core: SessionCore): string {
  const id = core.api.state.self?.UserName;
  if (!id) throw new TransportError('invalid', 'not logged in');
  return id;
}

/** A send's URL is the same for every message of a session (`repeated`: its parse is kept, see HttpRequest). */
const SEND_OPTIONS = { repeated: true } as const;

type Endpoint = 'webwxsendmsg' | 'webwxsendmsgimg' | 'webwxsendvideomsg' | 'webwxsendappmsg' | 'webwxsendemoticon';

/** The query of a send endpoint's URL: the session's own parts only (`WebApi.sessionUrl` keeps the URL). */
function sendQuery(endpoint: string, api: WebApi): Record<string, string> {
  if (endpoint === 'webwxsendmsg') return { lang: api.opts.lang, pass_ticket: api.state.passTicket };
  if (endpoint === 'webwxsendemoticon') return { fun: 'sys', lang: api.opts.lang, pass_ticket: api.state.passTicket };
  return {
    fun: 'async',
    f: 'json',
    lang: api.opts.lang,
    pass_ticket: api.state.passTicket,
    ...(endpoint === 'webwxsendappmsg' && api.opts.desktop ? { mod: 'desktop' } : {}),
  };
}

/** POST one send call and return the SentMessage. */
export async function sendRaw(
  core: SessionCore,
  endpoint: Endpoint,
  msg: Omit<RawSendMsg, 'FromUserName' | 'LocalID' | 'ClientMsgId'>,
  scene = 0,
): Promise<SentMessage> {
  if (!msg.ToUserName) throw new TransportError('invalid', `${endpoint}: no recipient`);
  const api = core.api;
  const clientId = core.clientIds.next();
  const body = { BaseRequest: api.baseRequest(), Msg: copyWith(msg, { FromUserName: selfId(core), LocalID: clientId, ClientMsgId: clientId }), Scene: scene };
  let r: RawSendResponse;
  core.sends.begin();
  try {
    r = await api.json<RawSendResponse>(endpoint, 'POST', api.sessionUrl(endpoint, sendQuery), body, SEND_OPTIONS);
  } finally {
    core.sends.end();
  }
  const id = r.MsgID ? String(r.MsgID) : '';
  if (!id) throw new TransportError('server', `${endpoint}: no MsgID in the answer`);
  core.sentIds.add(id);
  return { id, clientId, to: msg.ToUserName, sentAt: core.clock.now() };
}

export function sendText(core: SessionCore, to: string, text: string): Promise<SentMessage> {
  if (text.length === 0) throw new TransportError('invalid', 'sendText: empty text');
  return sendRaw(core, 'webwxsendmsg', { Type: MSG.TEXT, Content: text, ToUserName: to });
}

export async function sendImage(core: SessionCore, to: string, file: FileToSend): Promise<SentMessage> {
  const up = await uploadMedia(core, to, file, 'pic');
  return sendRaw(core, 'webwxsendmsgimg', { Type: MSG.IMAGE, MediaId: up.mediaId, Content: '', ToUserName: to });
}

export async function sendVideo(core: SessionCore, to: string, file: FileToSend): Promise<SentMessage> {
  const up = await uploadMedia(core, to, file, 'video');
  return sendRaw(core, 'webwxsendvideomsg', { Type: MSG.VIDEO, MediaId: up.mediaId, Content: '', ToUserName: to });
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The file appmsg XML of §6.5 (desktop mode leaves appid empty). */
export function fileAppMsg(name: string, size: number, mediaId: string, desktop: boolean): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1) : '';
  return (
    `<appmsg appid='${desktop ? '' : 'wxeb7ec651dd0aefa9'}' sdkver=''><title>${escapeXml(name)}</title><des></des><action></action>` +
    `<type>6</type><content></content><url></url><lowurl></lowurl><appattach><totallen>${size}</totallen>` +
    `<attachid>${mediaId}</attachid><fileext>${escapeXml(ext)}</fileext></appattach><extinfo></extinfo></appmsg>`
  );
}

export async function sendFile(core: SessionCore, to: string, file: FileToSend): Promise<SentMessage> {
  const up = await uploadMedia(core, to, file, 'doc');
  return sendRaw(core, 'webwxsendappmsg', {
    Type: 6,
    Content: fileAppMsg(file.name, file.data.length, up.mediaId, core.api.opts.desktop),
    ToUserName: to,
    ...(up.signature ? { Signature: up.signature } : {}),
  });
}

/** A sticker by md5 (of a received one) or a GIF/other image uploaded as `doc` (§6.6). */
export async function sendEmoticon(core: SessionCore, to: string, sticker: { md5: string } | FileToSend): Promise<SentMessage> {
  if ('md5' in sticker) {
    if (!/^[0-9a-f]{32}$/i.test(sticker.md5)) throw new TransportError('invalid', 'sendEmoticon: md5 must be 32 hex digits');
    return sendRaw(core, 'webwxsendemoticon', { Type: MSG.EMOTICON, EmojiFlag: 2, EMoticonMd5: sticker.md5, ToUserName: to });
  }
  const up = await uploadMedia(core, to, sticker, 'doc');
  return sendRaw(core, 'webwxsendemoticon', { Type: MSG.EMOTICON, EmojiFlag: 2, MediaId: up.mediaId, ToUserName: to });
}

/** Forward a received message (Scene 2). Needs the raw fields remembered when it arrived. */
export async function forward(core: SessionCore, to: string, message: Message): Promise<SentMessage> {
  const raw = core.rawMessages.get(message.id);
  switch (message.type) {
    case 'text':
      return sendRaw(core, 'webwxsendmsg', { Type: MSG.TEXT, Content: message.text, ToUserName: to }, 2);
    case 'location':
      if (raw?.OriContent) return sendRaw(core, 'webwxsendmsg', { Type: MSG.LOCATION, Content: raw.OriContent, ToUserName: to }, 2);
      return sendRaw(core, 'webwxsendmsg', { Type: MSG.TEXT, Content: message.text, ToUserName: to }, 2);
    case 'emoticon':
      if (message.media?.storeSticker) throw new TransportError('invalid', 'store stickers cannot be forwarded');
      if (!message.media?.md5) throw new TransportError('invalid', 'forward: this sticker has no md5');
      return sendRaw(core, 'webwxsendemoticon', { Type: MSG.EMOTICON, EmojiFlag: 2, EMoticonMd5: message.media.md5, ToUserName: to }, 2);
    default:
      break;
  }
  const mediaId = raw?.MediaId || message.media?.mediaId;
  if (message.type === 'image' || message.type === 'video') {
    const endpoint = message.type === 'image' ? 'webwxsendmsgimg' : 'webwxsendvideomsg';
    const type = message.type === 'image' ? MSG.IMAGE : MSG.VIDEO;
    if (mediaId) return sendRaw(core, endpoint, { Type: type, MediaId: mediaId, Content: '', ToUserName: to }, 2);
    // Received media usually carry no MediaId on web: fetch the bytes and upload them again.
    const data = await download(core, message);
    const up = await uploadMedia(core, to, { name: message.type === 'image' ? 'image.jpg' : 'video.mp4', data }, message.type === 'image' ? 'pic' : 'video');
    return sendRaw(core, endpoint, { Type: type, MediaId: up.mediaId, Content: '', ToUserName: to }, 2);
  }
  if ((message.type === 'file' || message.type === 'link' || message.type === 'music' || message.type === 'mini-program') && raw?.Content) {
    // §6.5: Type = AppMsgType, Content = the original appmsg with attachid set to its MediaId.
    const xml = unescapeXmlPayload(raw.Content.replace(/^[^<&]*?:<br\/>/, ''));
    const start = xml.indexOf('<appmsg');
    const end = xml.lastIndexOf('</appmsg>');
    if (start !== -1 && end !== -1) {
      let appmsg = xml.slice(start, end + 9);
      if (mediaId && xmlText(appmsg, 'attachid') !== undefined) appmsg = appmsg.replace(/<attachid>[\s\S]*?<\/attachid>/, `<attachid>${mediaId}</attachid>`);
      return sendRaw(core, 'webwxsendappmsg', { Type: raw.AppMsgType || message.link?.appType || 6, Content: appmsg, ToUserName: to }, 2);
    }
  }
  throw new TransportError('invalid', `forward: a ${message.type} message cannot be forwarded (or it is too old to be remembered)`);
}

/** Recall a message sent by this session within 2 minutes (§6.7). */
export async function revoke(core: SessionCore, sent: SentMessage): Promise<void> {
  const api = core.api;
  const url = api.url('web', 'webwxrevokemsg', { lang: api.opts.lang, pass_ticket: api.state.passTicket });
  try {
    await api.json<RawRevokeResponse>('webwxrevokemsg', 'POST', url, {
      BaseRequest: api.baseRequest(),
      SvrMsgId: sent.id,
      ToUserName: sent.to,
      ClientMsgId: sent.clientId,
    });
  } catch (err) {
    if (err instanceof TransportError && err.code === -1) {
      throw new TransportError('rejected', 'revoke refused (Ret -1): WeChat only recalls messages within 2 minutes of sending', -1, { cause: err });
    }
    throw err;
  }
}
