/**
 * Send endpoints (protocol.md §6): text, image, video, app (file) and emoticon sends, each
 * validated, answered with `{BaseResponse, MsgID, LocalID}`, echoed into the sender's own sync with
 * the same MsgId, and journaled so the control API and the phone page can read them; plus revoke.
 */
import { createHash } from 'node:crypto';
import type { RawJson } from '../protocol/raw-types.js';
import { escapeContent, escapeXmlPayload } from './format.js';
import { authenticate, baseResponse, readJson, sendJson, type WxCtx } from './http.js';
import { newMsgId, newOldMsgId } from './ids.js';
import { appMsgXml, emojiXml, imageXml, revokeXml, videoXml } from './payloads.js';
import { rateLimited } from './rate.js';
import type { Session } from './session.js';
import { texts } from './texts.js';
import { addMsg, type WireAddMsg } from './wire.js';
import { displayNameIn } from './world.js';

type SendKind = 'text' | 'image' | 'video' | 'app' | 'emoticon';

const EXPECTED_TYPE: Record<SendKind, number[]> = { text: [1, 48], image: [3], video: [43, 62], app: [], emoticon: [47] };

interface Target {
  id: string;
  name: string;
}

/** Resolve ToUserName to a conversation or the Ret code the server answers (§15 #31, #51). */
function target(c: WxCtx, s: Session, to: unknown): Target | number {
  const opts = c.st.opts;
  if (typeof to !== 'string' || to === '') return 1;
  if (to === s.selfName) return opts.selfSend1204 ? 1204 : 0;
  const id = s.resolve(to);
  if (!id) return opts.unknownTargetRet;
  const room = s.account.rooms.get(id);
  if (room) return room.active ? { id, name: room.topic } : 1201;
  const p = s.account.people.get(id);
  if (!p) return opts.unknownTargetRet;
  if (p.kind === 'stranger') return 1204;
  return { id, name: p.remark || p.nick };
}

function mediaOf(c: WxCtx, s: Session, mediaId: unknown): { bytes: Buffer; name: string } | undefined {
  if (typeof mediaId !== 'string' || !mediaId) return undefined;
  const m = c.st.media.get(mediaId);
  return m && m.account === s.account.id ? m : undefined;
}

function fail(c: WxCtx, ret: number): void {
  sendJson(c, { BaseResponse: baseResponse(ret), MsgID: '', LocalID: '' });
}

/** Shared body of the five send calls. */
async function send(c: WxCtx, kind: SendKind): Promise<void> {
  const body = await readJson(c);
  const a = authenticate(c, body?.BaseRequest);
  if (!a.ok) return fail(c, a.code);
  const s = a.s;
  const msg: RawJson = body?.Msg;
  if (!msg || typeof msg !== 'object') return fail(c, 1200);
  const type = Number(msg.Type);
  if (kind !== 'app' && !EXPECTED_TYPE[kind].includes(type)) return fail(c, 1);
  const t = target(c, s, msg.ToUserName);
  if (typeof t === 'number') return t === 0 ? fail(c, 0) : fail(c, t);
  if (rateLimited(c, s, 'send')) return fail(c, 1205);
  const now = Math.floor(c.st.now() / 1000);
  const msgId = newMsgId(c.st.rand);
  const clientMsgId = String(msg.ClientMsgId ?? msg.LocalID ?? '');
  const base = { MsgId: msgId, FromUserName: s.selfName, ToUserName: String(msg.ToUserName), CreateTime: now };
  let echo: WireAddMsg;
  let journalType: string = kind;
  let text = '';
  let fileName: string | undefined;
  let mediaKey: string | undefined;
  if (kind === 'text') {
    text = String(msg.Content ?? '');
    if (type === 48) journalType = 'location';
    echo = addMsg({ ...base, MsgType: 1, Content: escapeContent(text), SubMsgType: type === 48 ? 48 : 0 });
  } else if (kind === 'image' || kind === 'video') {
    const m = mediaOf(c, s, msg.MediaId);
    if (!m) return fail(c, 1);
    const md5 = createHash('md5').update(m.bytes).digest('hex');
    const xml =
      kind === 'image'
        ? imageXml({ fromId: s.account.id, md5, length: m.bytes.length, width: 120, height: 90 })
        : videoXml({ fromId: s.account.id, seconds: 3, length: m.bytes.length, md5 });
    echo = addMsg({
      ...base,
      MsgType: kind === 'image' ? 3 : 43,
      Content: escapeXmlPayload(xml),
      ImgHeight: 90,
      ImgWidth: 120,
      ImgStatus: 2,
      PlayLength: kind === 'video' ? 3 : 0,
    });
    fileName = m.name;
    mediaKey = String(msg.MediaId);
    c.st.msgMedia.set(msgId, mediaKey);
  } else if (kind === 'emoticon') {
    if (Number(msg.EmojiFlag) !== 2) return fail(c, 1);
    const md5 = typeof msg.EMoticonMd5 === 'string' && /^[0-9a-f]{32}$/i.test(msg.EMoticonMd5) ? msg.EMoticonMd5 : undefined;
    const m = md5 ? undefined : mediaOf(c, s, msg.MediaId);
    if (!md5 && !m) return fail(c, 1);
    const sum =
      md5 ??
      createHash('md5')
        .update((m as { bytes: Buffer }).bytes)
        .digest('hex');
    echo = addMsg({
      ...base,
      MsgType: 47,
      Content: escapeXmlPayload(emojiXml({ fromId: s.account.id, toId: t.id, md5: sum, len: m?.bytes.length ?? 1024, store: false })),
      ImgStatus: 2,
    });
    if (m) {
      mediaKey = String(msg.MediaId);
      c.st.msgMedia.set(msgId, mediaKey);
    }
  } else {
    // App message: Type is the AppMsgType (6 = file); a file must point at an uploaded MediaId.
    const content = String(msg.Content ?? '');
    if (!/<appmsg[\s>]/.test(content)) return fail(c, 1);
    const appType = Number(/<type>(\d+)<\/type>/.exec(content)?.[1] ?? type);
    const title = /<title>([\s\S]*?)<\/title>/.exec(content)?.[1] ?? '';
    let size = '';
    let mediaId = '';
    if (appType === 6) {
      mediaId = /<attachid>([\s\S]*?)<\/attachid>/.exec(content)?.[1] ?? '';
      const m = mediaOf(c, s, mediaId);
      if (!m) return fail(c, 1);
      size = String(m.bytes.length);
      mediaKey = mediaId;
      fileName = title;
      c.st.msgMedia.set(msgId, mediaId);
    }
    journalType = appType === 6 ? 'file' : appType === 5 ? 'link' : `app-${appType}`;
    text = title;
    const xml =
      appType === 6
        ? appMsgXml({
            type: 6,
            title,
            totallen: Number(size),
            attachid: mediaId,
            fileext: /\.([^.]+)$/.exec(title)?.[1] ?? '',
            fromId: s.account.id,
            appid: 'wxeb7ec651dd0aefa9',
          })
        : content;
    echo = addMsg({
      ...base,
      MsgType: 49,
      AppMsgType: appType,
      Content: escapeXmlPayload(xml),
      FileName: title,
      FileSize: size,
      MediaId: mediaId,
      EncryFileName: encodeURIComponent(title).replace(/\./g, '%2E'),
    });
  }
  if (kind === 'image' || kind === 'video' || kind === 'emoticon') text = fileName ?? '';
  s.rememberSend({ msgId, at: c.st.now(), to: t.id, clientMsgId });
  s.enqueue({ kind: 'msg', msg: echo });
  c.st.counters.sent += 1;
  const room = s.account.rooms.get(t.id);
  c.st.record({
    account: s.account.id,
    dir: 'out',
    chat: t.id,
    chatName: t.name,
    from: s.account.id,
    fromName: displayNameIn(s.account, room, s.account.id),
    type: journalType,
    text,
    msgId,
    ...(fileName !== undefined ? { fileName } : {}),
    ...(mediaKey !== undefined ? { mediaKey } : {}),
  });
  sendJson(c, { BaseResponse: baseResponse(0), MsgID: msgId, LocalID: String(msg.LocalID ?? msg.ClientMsgId ?? '') });
}

export const sendText = (c: WxCtx): Promise<void> => send(c, 'text');
export const sendImage = (c: WxCtx): Promise<void> => send(c, 'image');
export const sendVideo = (c: WxCtx): Promise<void> => send(c, 'video');
export const sendApp = (c: WxCtx): Promise<void> => send(c, 'app');
export const sendEmoticon = (c: WxCtx): Promise<void> => send(c, 'emoticon');

/** `POST webwxrevokemsg` (§6.7, §15 #38): within the window only; the echo gets a 10002. */
export async function revoke(c: WxCtx): Promise<void> {
  const body = await readJson(c);
  const a = authenticate(c, body?.BaseRequest);
  const empty = { Introduction: '', SysWording: '' };
  if (!a.ok) return sendJson(c, { BaseResponse: baseResponse(a.code), ...empty });
  const s = a.s;
  const svr = String(body?.SvrMsgId ?? '');
  const rec = s.sent.get(svr);
  if (!rec || body?.ClientMsgId === undefined || body?.ClientMsgId === '') return sendJson(c, { BaseResponse: baseResponse(-1), ...empty });
  if (c.st.now() - rec.at > c.st.opts.revokeWindowMs) return sendJson(c, { BaseResponse: baseResponse(-1), ...empty });
  s.sent.delete(svr);
  const xml = revokeXml({ session: rec.to, msgId: svr, oldMsgId: newOldMsgId(c.st.rand), replace: texts.youRecalled(s.lang) });
  s.enqueue({
    kind: 'msg',
    msg: addMsg({
      MsgId: newMsgId(c.st.rand),
      FromUserName: s.selfName,
      ToUserName: s.userName(rec.to),
      MsgType: 10002,
      CreateTime: Math.floor(c.st.now() / 1000),
      Content: escapeXmlPayload(xml),
      Status: 4,
    }),
  });
  c.st.record({
    account: s.account.id,
    dir: 'out',
    chat: rec.to,
    chatName: rec.to,
    from: s.account.id,
    fromName: s.account.nick,
    type: 'revoke',
    text: svr,
    msgId: svr,
  });
  sendJson(c, { BaseResponse: baseResponse(0), Introduction: texts.revokeIntro(s.lang), SysWording: texts.revokeWording(s.lang) });
}
