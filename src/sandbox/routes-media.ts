/**
 * Uploads and downloads (protocol.md §6.2, §7, §15 #33–#37): multipart uploads in 512 KiB chunks
 * grouped by ClientMediaId, webwxcheckupload for big files, and the media download endpoints with
 * their quirks (type=slave, Range for video, webwx_data_ticket, 0 bytes when stale).
 */
import { createHash } from 'node:crypto';
import busboy from 'busboy';
import type { RawJson } from '../protocol/raw-types.js';
import { authenticate, baseResponse, readJson, sendJson, skeyOk, type WxCtx } from './http.js';
import { newMediaId, randHex } from './ids.js';
import { SAMPLE_JPEG, mimeOf, type MediaItem } from './media.js';
import type { Session } from './session.js';

interface Multipart {
  fields: Record<string, string>;
  file?: { bytes: Buffer; name: string; mime: string };
}

function parseMultipart(c: WxCtx, limit: number): Promise<Multipart> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: c.koa.req.headers, limits: { fileSize: limit, fields: 50, files: 1 } });
    } catch (err) {
      reject(Object.assign(err as Error, { status: 400 }));
      return;
    }
    const out: Multipart = { fields: {} };
    bb.on('field', (name, value) => {
      out.fields[name] = value;
    });
    bb.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('limit', () => reject(Object.assign(new Error('upload part too large'), { status: 413 })));
      stream.on('end', () => {
        out.file = { bytes: Buffer.concat(chunks), name: info.filename ?? '', mime: info.mimeType };
      });
    });
    bb.on('error', (err) => reject(Object.assign(err as Error, { status: 400 })));
    bb.on('close', () => resolve(out));
    c.koa.req.pipe(bb);
  });
}

function uploadAnswer(c: WxCtx, ret: number, mediaId = '', startPos = 0, thumb = false, encryName = ''): void {
  sendJson(c, {
    BaseResponse: baseResponse(ret),
    MediaId: mediaId,
    StartPos: startPos,
    CDNThumbImgHeight: thumb ? 90 : 0,
    CDNThumbImgWidth: thumb ? 120 : 0,
    EncryFileName: encryName,
  });
}

/** `POST webwxuploadmedia?f=json` on the file host. */
export async function uploadMedia(c: WxCtx): Promise<void> {
  const st = c.st;
  if (!/multipart\/form-data/i.test(String(c.koa.headers['content-type'] ?? ''))) return uploadAnswer(c, 1200);
  const mp = await parseMultipart(c, 110 * 1024 * 1024);
  let req: RawJson;
  try {
    req = JSON.parse(mp.fields.uploadmediarequest ?? '');
  } catch {
    return uploadAnswer(c, 1200);
  }
  const a = authenticate(c, req?.BaseRequest);
  if (!a.ok) return uploadAnswer(c, a.code);
  const s = a.s;
  // The data ticket must come both as a form field and as the cookie (§6.2).
  if (mp.fields.webwx_data_ticket !== s.dataTicket || c.cookies.webwx_data_ticket !== s.dataTicket) return uploadAnswer(c, -1);
  if (!mp.file) return uploadAnswer(c, 1);
  const size = Number(mp.fields.size ?? req.TotalLen ?? 0);
  if (!Number.isFinite(size) || size <= 0) return uploadAnswer(c, 1);
  if (size > st.opts.bigFileBytes) {
    const sig = typeof req.Signature === 'string' ? st.signatures.get(req.Signature) : undefined;
    if (!sig || sig.size !== size) return uploadAnswer(c, -1);
  }
  const chunks = mp.fields.chunks === undefined ? 1 : Number(mp.fields.chunks);
  const chunk = mp.fields.chunk === undefined ? 0 : Number(mp.fields.chunk);
  if (!Number.isInteger(chunks) || !Number.isInteger(chunk) || chunks < 1 || chunk < 0 || chunk >= chunks) return uploadAnswer(c, 1);
  const key = `${s.sid}:${String(req.ClientMediaId ?? '')}`;
  let up = st.uploads.get(key);
  if (!up || up.parts.length !== chunks) {
    up = { parts: new Array<Buffer | undefined>(chunks).fill(undefined), received: 0, at: st.now() };
    st.uploads.set(key, up);
    pruneUploads(c);
  }
  if (!up.parts[chunk]) up.received += 1;
  up.parts[chunk] = mp.file.bytes;
  if (up.received < chunks) return uploadAnswer(c, 0); // non-final chunk: MediaId ""
  st.uploads.delete(key);
  const bytes = Buffer.concat(up.parts as Buffer[]);
  if (bytes.length !== size) return uploadAnswer(c, 1);
  const name = mp.fields.name || mp.file.name || 'file';
  const mediaId = newMediaId(st.rand);
  storeUpload(c, s, mediaId, { bytes, name, mime: mp.fields.type || mimeOf(name), account: s.account.id });
  const pic = mp.fields.mediatype === 'pic';
  uploadAnswer(c, 0, mediaId, size, pic, encodeURIComponent(name).replace(/\./g, '%2E'));
}

function storeUpload(c: WxCtx, s: Session, mediaId: string, item: MediaItem): void {
  c.st.media.put(mediaId, item);
  c.st.mediaByMd5.set(`${s.account.id}:${createHash('md5').update(item.bytes).digest('hex')}`, mediaId);
}

function pruneUploads(c: WxCtx): void {
  const ups = c.st.uploads;
  if (ups.size <= 200) return;
  const oldest = ups.keys().next().value;
  if (oldest !== undefined) ups.delete(oldest);
}

/** `POST webwxcheckupload` (§6.2, §15 #34): FileType 7 required; may answer an existing MediaId. */
export async function checkUpload(c: WxCtx): Promise<void> {
  const body = await readJson(c);
  const a = authenticate(c, body?.BaseRequest);
  const empty = { MediaId: '', AESKey: '', Signature: '' };
  if (!a.ok) return sendJson(c, { BaseResponse: baseResponse(a.code), ...empty });
  if (Number(body?.FileType) !== 7) return sendJson(c, { BaseResponse: baseResponse(1), ...empty });
  const md5 = String(body?.FileMd5 ?? '').toLowerCase();
  const size = Number(body?.FileSize);
  if (!/^[0-9a-f]{32}$/.test(md5) || !Number.isFinite(size) || size <= 0) return sendJson(c, { BaseResponse: baseResponse(1), ...empty });
  const existing = c.st.mediaByMd5.get(`${a.s.account.id}:${md5}`);
  const sig = randHex(c.st.rand, 64);
  c.st.signatures.set(sig, { md5, size });
  if (c.st.signatures.size > 1000) c.st.signatures.delete(c.st.signatures.keys().next().value as string);
  sendJson(c, {
    BaseResponse: baseResponse(0),
    MediaId: existing ?? '',
    AESKey: randHex(c.st.rand, 32),
    Signature: sig,
    EntryFileName: String(body?.FileName ?? ''),
  });
}

/** Media of a message for an authenticated request with a current skey; undefined → 0 bytes. */
function messageMedia(c: WxCtx, msgId: string | undefined): MediaItem | undefined {
  const a = authenticate(c);
  if (!a.ok || !skeyOk(a.s, c.query.skey) || !msgId) return undefined;
  const key = c.st.msgMedia.get(msgId);
  const m = key ? c.st.media.get(key) : undefined;
  return m && m.account === a.s.account.id ? m : undefined;
}

function bytes(c: WxCtx, body: Buffer, mime: string, status = 200): void {
  c.koa.status = status;
  c.koa.set('Content-Type', mime);
  c.koa.set('Content-Length', String(body.length));
  c.koa.body = body;
}

/** `GET webwxgetmsgimg?MsgID=&skey=&type=slave|big` (§7). */
export function getMsgImg(c: WxCtx): void {
  const m = messageMedia(c, c.query.MsgID ?? c.query.msgid);
  if (!m) return bytes(c, Buffer.alloc(0), 'image/jpeg');
  if (c.query.type === 'slave' || !m.mime.startsWith('image/')) return bytes(c, m.bytes.length ? SAMPLE_JPEG : Buffer.alloc(0), 'image/jpeg');
  bytes(c, m.bytes, m.mime);
}

/** `GET webwxgetvoice?msgid=&skey=` → audio/mpeg. */
export function getVoice(c: WxCtx): void {
  const m = messageMedia(c, c.query.msgid ?? c.query.MsgID);
  bytes(c, m ? m.bytes : Buffer.alloc(0), 'audio/mpeg');
}

/** `GET webwxgetvideo?msgid=&skey=` with `Range: bytes=…` (206), empty 200 without Range. */
export function getVideo(c: WxCtx): void {
  const m = messageMedia(c, c.query.msgid ?? c.query.MsgID);
  const range = String(c.koa.headers.range ?? '');
  const r = /^bytes=(\d*)-(\d*)$/.exec(range);
  if (!m || !r) return bytes(c, Buffer.alloc(0), 'video/mp4');
  const total = m.bytes.length;
  const start = r[1] ? Number(r[1]) : 0;
  const end = r[2] ? Math.min(Number(r[2]), total - 1) : total - 1;
  if (start >= total || start > end) {
    c.koa.set('Content-Range', `bytes */${total}`);
    return bytes(c, Buffer.alloc(0), 'video/mp4', 416);
  }
  if (!c.st.opts.video206) return bytes(c, m.bytes, 'video/mp4');
  c.koa.set('Content-Range', `bytes ${start}-${end}/${total}`);
  c.koa.set('Accept-Ranges', 'bytes');
  bytes(c, m.bytes.subarray(start, end + 1), 'video/mp4', 206);
}

/** `GET webwxgetmedia` on the file host: needs webwx_data_ticket; Content-Disposition (§7). */
export function getMedia(c: WxCtx): void {
  const a = authenticate(c);
  const ticket = c.query.webwx_data_ticket ?? c.cookies.webwx_data_ticket;
  const m = c.st.media.get(c.query.mediaid ?? '');
  if (!a.ok || ticket !== a.s.dataTicket || !m || m.account !== a.s.account.id) return bytes(c, Buffer.alloc(0), 'application/octet-stream');
  c.koa.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(m.name)}`);
  bytes(c, m.bytes, 'application/octet-stream');
}

/** Avatars: a JPEG for a known session, 0 bytes otherwise. */
export function getIcon(c: WxCtx): void {
  const a = authenticate(c);
  bytes(c, a.ok && skeyOk(a.s, c.query.skey) ? SAMPLE_JPEG : Buffer.alloc(0), 'image/jpeg');
}

export const getHeadImg = getIcon;

/** `GET webwxpreview?fun=preview&mediaid=` — a just-uploaded image. */
export function preview(c: WxCtx): void {
  const a = authenticate(c);
  const m = c.st.media.get(c.query.mediaid ?? '');
  if (!a.ok || !m || m.account !== a.s.account.id) return bytes(c, Buffer.alloc(0), 'image/jpeg');
  bytes(c, m.bytes, m.mime);
}
