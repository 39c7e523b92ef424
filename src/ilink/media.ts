/**
 * Media through the iLink CDN (ilink.md §7): upload = encrypt with a fresh key, ask `getuploadurl`
 * for a signed parameter, POST the ciphertext, take `x-encrypted-param` as the download token;
 * download = GET the ciphertext and decrypt. A server-given `full_url` is used only when it points
 * at the configured CDN, so a message cannot make us fetch an arbitrary address.
 */
import { randomBytes } from 'node:crypto';
import { TransportError } from '../transport/errors.js';
import type { FileToSend } from '../transport/transport.js';
import { cipherSize, decodeMediaKey, decryptEcb, encryptEcb, keyFormB, md5Hex, newMediaKey } from './aes.js';
import { answerCode, joinUrl, type IlinkHttp } from './http.js';
import type { MediaHandle } from './inbound.js';
import { ITEM_FILE, ITEM_IMAGE, ITEM_VIDEO, UPLOAD_FILE, UPLOAD_IMAGE, UPLOAD_VIDEO, type WireItem, type WireUploadUrl } from './wire.js';

export type MediaKind = 'image' | 'video' | 'file';

export interface CdnContext {
  http: IlinkHttp;
  apiBase: string;
  cdnBase: string;
  fetch: typeof fetch;
  apiTimeoutMs: number;
  cdnTimeoutMs: number;
  signal?: AbortSignal;
}

const UPLOAD_ATTEMPTS = 3;

/** Encrypt and upload a file for `toUserId`; returns the message item that references it. */
export async function uploadMedia(c: CdnContext, toUserId: string, kind: MediaKind, file: FileToSend): Promise<WireItem> {
  const key = newMediaKey();
  const cipher = encryptEcb(file.data, key);
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= UPLOAD_ATTEMPTS; attempt++) {
    const filekey = randomBytes(16).toString('hex');
    const ask = await c.http.post<WireUploadUrl>(
      c.apiBase,
      'ilink/bot/getuploadurl',
      {
        filekey,
        media_type: kind === 'image' ? UPLOAD_IMAGE : kind === 'video' ? UPLOAD_VIDEO : UPLOAD_FILE,
        to_user_id: toUserId,
        rawsize: file.data.length,
        rawfilemd5: md5Hex(file.data),
        filesize: cipherSize(file.data.length),
        no_need_thumb: true,
        aeskey: key.toString('hex'),
      },
      { timeoutMs: c.apiTimeoutMs, ...(c.signal && { signal: c.signal }) },
    );
    if (ask.empty) throw new TransportError('server', 'iLink getuploadurl: empty answer');
    const code = answerCode(ask.body);
    if (code !== 0) throw new TransportError('server', `iLink getuploadurl: ret ${code} ${ask.body.errmsg ?? ''}`.trim(), code);
    const url = ask.body.upload_full_url
      ? ask.body.upload_full_url
      : ask.body.upload_param
        ? `${joinUrl(c.cdnBase, 'upload')}?encrypted_query_param=${encodeURIComponent(ask.body.upload_param)}&filekey=${encodeURIComponent(filekey)}`
        : undefined;
    if (!url) throw new TransportError('server', 'iLink getuploadurl: neither upload_full_url nor upload_param in the answer');
    let res: Response;
    try {
      res = await c.fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: cipher,
        signal: c.signal ? AbortSignal.any([c.signal, AbortSignal.timeout(c.cdnTimeoutMs)]) : AbortSignal.timeout(c.cdnTimeoutMs),
      });
      await res.arrayBuffer();
    } catch (e) {
      if (c.signal?.aborted) throw c.signal.reason;
      lastError = new TransportError('network', `iLink CDN upload: ${(e as Error).message}`, undefined, { cause: e });
      continue;
    }
    if (res.status >= 400 && res.status < 500) {
      throw new TransportError(
        'rejected',
        `iLink CDN upload refused (HTTP ${res.status}): ${res.headers.get('x-error-message') ?? 'no reason given'}`,
        res.status,
      );
    }
    const param = res.headers.get('x-encrypted-param');
    if (res.status === 200 && param) return mediaItem(kind, { encrypt_query_param: param, aes_key: keyFormB(key), encrypt_type: 1 }, file, cipher.length);
    lastError = new TransportError('network', `iLink CDN upload: HTTP ${res.status}${param ? '' : ' without x-encrypted-param'}`, res.status);
  }
  throw lastError ?? new TransportError('network', 'iLink CDN upload failed');
}

function mediaItem(kind: MediaKind, media: { encrypt_query_param: string; aes_key: string; encrypt_type: number }, file: FileToSend, size: number): WireItem {
  if (kind === 'image') return { type: ITEM_IMAGE, image_item: { media, mid_size: size } };
  if (kind === 'video') return { type: ITEM_VIDEO, video_item: { media, video_size: size, video_md5: md5Hex(file.data) } };
  return { type: ITEM_FILE, file_item: { media, file_name: file.name, len: String(file.data.length), md5: md5Hex(file.data) } };
}

/** Fetch and decrypt a media item's bytes. */
export async function downloadMedia(c: CdnContext, h: MediaHandle): Promise<Buffer> {
  const url = sameOrigin(h.u, c.cdnBase) ? h.u! : `${joinUrl(c.cdnBase, 'download')}?encrypted_query_param=${encodeURIComponent(h.q)}`;
  let res: Response;
  let data: Buffer;
  try {
    res = await c.fetch(url, { signal: c.signal ? AbortSignal.any([c.signal, AbortSignal.timeout(c.cdnTimeoutMs)]) : AbortSignal.timeout(c.cdnTimeoutMs) });
    data = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    if (c.signal?.aborted) throw c.signal.reason;
    throw new TransportError('network', `iLink CDN download: ${(e as Error).message}`, undefined, { cause: e });
  }
  if (res.status < 200 || res.status > 299)
    throw new TransportError(res.status >= 500 ? 'network' : 'server', `iLink CDN download: HTTP ${res.status}`, res.status);
  if (data.length === 0) throw new TransportError('server', 'iLink CDN download: 0 bytes');
  if (!h.k) return data;
  try {
    return decryptEcb(data, decodeMediaKey(h.k));
  } catch (e) {
    throw new TransportError('server', `iLink CDN download: cannot decrypt (${(e as Error).message})`);
  }
}

function sameOrigin(url: string | undefined, base: string): boolean {
  if (!url) return false;
  try {
    return new URL(url).origin === new URL(base).origin;
  } catch {
    return false;
  }
}
