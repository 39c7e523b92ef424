/**
 * Upload (§6.2: 512 KiB chunks on the file host, cookies and webwx_data_ticket on every chunk,
 * webwxcheckupload above 25 MiB) and downloads (§7: image variants, voice, video with Range,
 * files through webwxgetmedia, avatars). Empty bodies are errors (§16 #13), never silent.
 */
import { createHash } from 'node:crypto';
import { TransportError } from '../transport/errors.js';
import type { Message } from '../transport/model.js';
import type { FileToSend, MediaVariant } from '../transport/transport.js';
import type { SessionCore } from './core.js';
import { bodyText } from './http.js';
import { checkBase } from './api-errors.js';
import type { RawCheckUploadResponse, RawUploadMediaResponse } from './raw-types.js';
import { parseWireJson } from './wire-json.js';
import { isRoomId } from './parse-contact.js';

export const CHUNK_SIZE = 524_288;
export const CHECK_UPLOAD_OVER = 25 * 1024 * 1024;

export type MediaKind = 'pic' | 'video' | 'doc';

const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  pdf: 'application/pdf',
  txt: 'text/plain',
  zip: 'application/zip',
};

export function mimeOf(file: FileToSend): string {
  if (file.mimeType) return file.mimeType;
  const ext = file.name.slice(file.name.lastIndexOf('.') + 1).toLowerCase();
  return MIME[ext] ?? 'application/octet-stream';
}

/** The JS-style date string WebUploader sends (`Mon Jan 02 2006 15:04:05 GMT+0800 (CST)`). */
function jsDate(ms: number): string {
  return new Date(ms).toString();
}

export interface Uploaded {
  mediaId: string;
  signature?: string;
}

/**
 * Upload a file for `to` and return its MediaId. Files ≤ 512 KiB go in one request without
 * chunk fields; larger ones in sequential chunks sharing one uploadmediarequest.
 */
export async function uploadMedia(core: SessionCore, to: string, file: FileToSend, kind: MediaKind): Promise<Uploaded> {
  const api = core.api;
  const st = api.state;
  const size = file.data.length;
  if (size === 0) throw new TransportError('invalid', 'cannot upload an empty file');
  if (!st.self) throw new TransportError('invalid', 'not logged in');
  const md5 = createHash('md5').update(file.data).digest('hex');
  const mime = mimeOf(file);
  let aesKey: string | undefined;
  let signature: string | undefined;
  if (size > CHECK_UPLOAD_OVER) {
    const r = await api.json<RawCheckUploadResponse>('webwxcheckupload', 'POST', api.url('web', 'webwxcheckupload', { pass_ticket: st.passTicket }), {
      BaseRequest: api.baseRequest(),
      FromUserName: st.self.UserName,
      ToUserName: to,
      FileSize: size,
      FileMd5: md5,
      FileName: file.name,
      FileType: 7,
    });
    // A non-empty MediaId means the server already has this file ("instant upload").
    if (r.MediaId) return { mediaId: r.MediaId, ...(r.Signature ? { signature: r.Signature } : {}) };
    aesKey = r.AESKey || undefined;
    signature = r.Signature || undefined;
  }
  const clientMediaId = core.clientIds.next();
  const request = JSON.stringify({
    UploadType: 2,
    BaseRequest: api.baseRequest(),
    ClientMediaId: clientMediaId,
    TotalLen: size,
    StartPos: 0,
    DataLen: size,
    MediaType: 4,
    FromUserName: st.self.UserName,
    ToUserName: to,
    FileMd5: md5,
    ...(aesKey ? { AESKey: aesKey } : {}),
    ...(signature ? { Signature: signature } : {}),
  });
  const url = `https://${st.hosts.file}/cgi-bin/mmwebwx-bin/webwxuploadmedia?f=json`;
  const ticket = api.http.cookie(url, 'webwx_data_ticket') ?? '';
  if (!ticket) core.log.warn('webwx_data_ticket cookie missing: the upload will probably fail');
  let passTicket = st.passTicket;
  try {
    passTicket = decodeURIComponent(st.passTicket);
  } catch {
    /* keep as is */
  }
  const chunks = size > CHUNK_SIZE ? Math.ceil(size / CHUNK_SIZE) : 1;
  const modified = jsDate(core.clock.now());
  let mediaId = '';
  for (let i = 0; i < chunks; i++) {
    const form = new FormData();
    form.append('id', 'WU_FILE_0');
    form.append('name', file.name);
    form.append('type', mime);
    form.append('lastModifiedDate', modified);
    form.append('size', String(size));
    if (chunks > 1) {
      form.append('chunks', String(chunks));
      form.append('chunk', String(i));
    }
    form.append('mediatype', kind);
    form.append('uploadmediarequest', request);
    form.append('webwx_data_ticket', ticket);
    form.append('pass_ticket', passTicket);
    const part = chunks > 1 ? file.data.subarray(i * CHUNK_SIZE, Math.min(size, (i + 1) * CHUNK_SIZE)) : file.data;
    form.append('filename', new Blob([part], { type: mime }), file.name);
    const res = await api.http.request({ method: 'POST', url, body: form, timeoutMs: api.opts.timeouts.upload, transfer: true });
    if (res.status >= 300) throw new TransportError('network', `webwxuploadmedia: HTTP ${res.status} on chunk ${i + 1}/${chunks}`);
    let r: RawUploadMediaResponse;
    try {
      r = parseWireJson<RawUploadMediaResponse>(bodyText(res));
    } catch (err) {
      throw new TransportError('network', `webwxuploadmedia: unreadable answer on chunk ${i + 1}/${chunks}`, undefined, { cause: err });
    }
    checkBase('webwxuploadmedia', r);
    mediaId = r.MediaId ?? '';
  }
  if (!mediaId) throw new TransportError('server', `webwxuploadmedia: no MediaId after ${chunks} chunk(s) (cookies or ticket refused?)`);
  return { mediaId, ...(signature ? { signature } : {}) };
}

/**
 * The decision for §16 #13: WeChat answers a download it will not serve (stale skey, missing
 * cookies or webwx_data_ticket, ended session, withheld media) with 200 and 0 bytes. That is never
 * returned as an empty Buffer: it is a TransportError('server') whose message says so, not
 * retryable as such (the same request gets the same nothing).
 */
function emptyBody(what: string): TransportError {
  return new TransportError(
    'server',
    `${what}: 0 bytes from WeChat (stale skey, missing cookies or webwx_data_ticket, ended session, or media the server will not give out)`,
  );
}

async function getBytes(core: SessionCore, url: string, what: string, headers?: Record<string, string>): Promise<Buffer> {
  const res = await core.api.http.request({ method: 'GET', url, timeoutMs: core.api.opts.timeouts.download, transfer: true, ...(headers ? { headers } : {}) });
  if (res.status >= 400) throw new TransportError(res.status >= 500 ? 'network' : 'server', `${what}: HTTP ${res.status}`);
  if (res.body.length === 0) throw emptyBody(what);
  return res.body;
}

/** `bytes <start>-<end>/<total>` of a 206 answer. */
function contentRange(value: string | string[] | undefined): { start: number; total?: number } | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(String(value ?? '').trim());
  if (!m) return undefined;
  return { start: Number(m[1]), ...(m[3] !== '*' ? { total: Number(m[3]) } : {}) };
}

/** Most ranged requests one download may take (a server handing out tiny slices is broken). */
const MAX_RANGE_ROUNDS = 256;

/**
 * A ranged download (§7: video needs `Range: bytes=0-`). 200 = the whole body; 206 = a slice
 * described by Content-Range, continued from where it ended until the total is reached.
 */
async function getRanged(core: SessionCore, url: string, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  for (let round = 0; round < MAX_RANGE_ROUNDS; round++) {
    const res = await core.api.http.request({
      method: 'GET',
      url,
      timeoutMs: core.api.opts.timeouts.download,
      transfer: true,
      headers: { Range: `bytes=${got}-` },
    });
    if (res.status >= 400) throw new TransportError(res.status >= 500 ? 'network' : 'server', `${what}: HTTP ${res.status}`);
    if (res.status !== 206) {
      // A plain 200 is the whole file, whatever came before.
      if (res.body.length === 0) throw emptyBody(what);
      return res.body;
    }
    const range = contentRange(res.headers['content-range']);
    if (range && range.start !== got) throw new TransportError('network', `${what}: asked for bytes from ${got}, got a slice from ${range.start}`);
    if (res.body.length === 0) break;
    parts.push(res.body);
    got += res.body.length;
    if (!range || range.total === undefined || got >= range.total) break;
  }
  if (got === 0) throw emptyBody(what);
  return Buffer.concat(parts, got);
}

/**
 * The avatar path of a contact entry with the session's current skey: the directory keeps paths
 * without it (`avatarPath`), and WeChat answers 0 bytes to a stale one.
 */
export function avatarUrl(webHost: string, path: string, skey: string): string {
  const u = new URL(path, `https://${webHost}`);
  u.searchParams.set('skey', skey);
  return u.href;
}

/**
 * Bytes of a received media message. Images: `thumb` = type=slave, `big` = type=big, `original`
 * = no type. Video thumbnails come from getmsgimg. Empty answers throw (see `emptyBody`).
 */
export async function download(core: SessionCore, message: Message, variant: MediaVariant = 'original'): Promise<Buffer> {
  const api = core.api;
  const st = api.state;
  const id = message.id;
  switch (message.type) {
    case 'image':
    case 'emoticon': {
      if (message.media?.storeSticker) throw new TransportError('invalid', 'store stickers cannot be downloaded (copyright)');
      const type = message.type === 'emoticon' ? 'big' : variant === 'thumb' ? 'slave' : variant === 'big' ? 'big' : undefined;
      return getBytes(core, api.url('web', 'webwxgetmsgimg', { MsgID: id, skey: st.skey, ...(type ? { type } : {}) }), 'webwxgetmsgimg');
    }
    case 'voice':
      return getRanged(core, api.url('web', 'webwxgetvoice', { msgid: id, skey: st.skey }), 'webwxgetvoice');
    case 'video':
      if (variant === 'thumb') return getBytes(core, api.url('web', 'webwxgetmsgimg', { MsgID: id, skey: st.skey, type: 'slave' }), 'webwxgetmsgimg');
      return getRanged(core, api.url('web', 'webwxgetvideo', { msgid: id, skey: st.skey }), 'webwxgetvideo');
    case 'file': {
      const raw = core.rawMessages.get(id);
      const mediaId = raw?.MediaId || message.media?.mediaId;
      if (!mediaId) throw new TransportError('invalid', 'download: this file message has no MediaId');
      // Sender = FromUserName of the message: the room in groups, self for own messages.
      const sender = raw?.FromUserName ?? (message.isSelf ? (st.self?.UserName ?? '') : (message.roomId ?? message.senderId));
      const url = `https://${st.hosts.file}/cgi-bin/mmwebwx-bin/webwxgetmedia`;
      const ticket = api.http.cookie(url, 'webwx_data_ticket') ?? '';
      const name = raw?.EncryFileName ? { encryfilename: raw.EncryFileName } : { filename: raw?.FileName ?? message.media?.fileName ?? '' };
      return getBytes(
        core,
        api.url('file', 'webwxgetmedia', { sender, mediaid: mediaId, ...name, fromuser: st.uin, pass_ticket: st.passTicket, webwx_data_ticket: ticket }),
        'webwxgetmedia',
      );
    }
    default:
      throw new TransportError('invalid', `download: a ${message.type} message has no media`);
  }
}

/** A contact's or a room's avatar (room members through the room handle). */
export function downloadAvatar(core: SessionCore, id: string): Promise<Buffer> {
  const api = core.api;
  const book = core.book;
  const known = book.contacts.get(id)?.avatar ?? book.rooms.get(id)?.avatar;
  // HeadImgUrl carries the skey of when the entry was fetched; WeChat rotates skeys (SKey in sync).
  if (known && known.startsWith('/')) return getBytes(core, avatarUrl(api.state.hosts.web, known, api.state.skey), 'avatar');
  if (isRoomId(id)) return getBytes(core, api.url('web', 'webwxgetheadimg', { seq: 0, username: id, skey: api.state.skey }), 'webwxgetheadimg');
  let chatroomid: string | undefined;
  for (const r of book.rooms.values())
    if (r.handle && book.hasMember(r.id, id)) {
      chatroomid = r.handle;
      break;
    }
  return getBytes(core, api.url('web', 'webwxgeticon', { seq: 0, username: id, skey: api.state.skey, ...(chatroomid ? { chatroomid } : {}) }), 'webwxgeticon');
}
