/**
 * Media (ilink.md §7, §9 F): `getuploadurl` checks the declared sizes and keys and issues an upload
 * param; `POST /c2c/upload` takes the ciphertext, checks it decrypts to the declared MD5 and answers
 * the download param in `x-encrypted-param`; `GET /c2c/download` serves ciphertext.
 */
import { cipherSize, decryptEcb, md5Hex } from './aes.js';
import { newCdnParam } from './ids.js';
import { CDN_FAULTS } from './state.js';
import { authenticate, cdnBase, sendRet, sendWire, str, type IlinkCtx } from './wire.js';

const HEX32 = /^[0-9a-f]{32}$/;

function whole(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** `POST ilink/bot/getuploadurl` (§7.2, §9.36). */
export function getUploadUrl(c: IlinkCtx): void {
  const st = c.st;
  const bot = authenticate(c);
  if (!bot) return;
  const b = c.body ?? {};
  const filekey = str(b.filekey) ?? '';
  const aeskey = str(b.aeskey) ?? '';
  const rawsize = whole(b.rawsize);
  const filesize = whole(b.filesize);
  const md5 = (str(b.rawfilemd5) ?? '').toLowerCase();
  const mediaType = b.media_type;
  const problem = !HEX32.test(filekey)
    ? 'filekey must be 32 hex'
    : !HEX32.test(aeskey.toLowerCase())
      ? 'aeskey must be 32 hex'
      : mediaType !== 1 && mediaType !== 2 && mediaType !== 3 && mediaType !== 4
        ? 'media_type must be 1–4'
        : rawsize === undefined
          ? 'rawsize missing'
          : !HEX32.test(md5)
            ? 'rawfilemd5 must be 32 hex'
            : filesize !== cipherSize(rawsize)
              ? `filesize must be ${cipherSize(rawsize)} for rawsize ${rawsize}`
              : str(b.to_user_id) !== bot.userId
                ? 'to_user_id is not the bound user'
                : undefined;
  if (problem) return sendRet(c, -3, `invalid arguments: ${problem}`);
  const now = st.now();
  st.cdn.prune(now);
  const issue = (raw: number, rawMd5: string, size: number): string => {
    const param = newCdnParam(st.rand);
    st.cdn.tickets.set(param, {
      param,
      filekey,
      key: Buffer.from(aeskey, 'hex'),
      rawsize: raw,
      rawMd5,
      filesize: size,
      mediaType: mediaType as number,
      bot: bot.id,
      expiresAt: now + st.opts.uploadParamTtlMs,
      used: false,
    });
    return param;
  };
  const param = issue(rawsize as number, md5, filesize as number);
  const answer: Record<string, unknown> = { upload_param: param };
  // The thumbnail branch no client uses (§7.2): issued when asked, checked the same way.
  const thumbRaw = whole(b.thumb_rawsize);
  const thumbMd5 = (str(b.thumb_rawfilemd5) ?? '').toLowerCase();
  if (b.no_need_thumb === false && thumbRaw !== undefined && HEX32.test(thumbMd5) && whole(b.thumb_filesize) === cipherSize(thumbRaw)) {
    answer.thumb_upload_param = issue(thumbRaw, thumbMd5, cipherSize(thumbRaw));
  }
  if (st.opts.uploadFullUrl === 'on')
    answer.upload_full_url = `${cdnBase(c)}/upload?encrypted_query_param=${encodeURIComponent(param)}&filekey=${encodeURIComponent(filekey)}`;
  sendWire(c, answer);
}

function cdnError(c: IlinkCtx, status: number, message: string): void {
  c.koa.status = status;
  c.koa.set('x-error-message', message);
  c.koa.type = 'text/plain';
  c.koa.body = message;
}

/** `POST <cdn>/upload?encrypted_query_param=…&filekey=…` with the ciphertext (§7.3, §9.37–38). */
export function cdnUpload(c: IlinkCtx, body: Buffer): void {
  const st = c.st;
  if (c.koa.method !== 'POST') {
    c.koa.status = 404;
    c.koa.body = 'not found';
    return;
  }
  const fault = st.takeFault('cdn-upload', CDN_FAULTS);
  if (fault?.kind === 'cdn-500') return cdnError(c, 500, 'internal error');
  const param = String(c.koa.query.encrypted_query_param ?? '');
  const t = st.cdn.tickets.get(param);
  if (!t) return cdnError(c, 400, 'invalid encrypted_query_param');
  if (String(c.koa.query.filekey ?? '') !== t.filekey) return cdnError(c, 400, 'filekey does not match');
  if (t.expiresAt <= st.now()) return cdnError(c, 400, 'encrypted_query_param expired');
  if (t.used && st.opts.uploadParamReuse === 'reject') return cdnError(c, 400, 'encrypted_query_param already used');
  if (body.length !== t.filesize) return cdnError(c, 400, `body is ${body.length} bytes, filesize was ${t.filesize}`);
  let plain: Buffer;
  try {
    plain = decryptEcb(body, t.key);
  } catch {
    return cdnError(c, 400, 'ciphertext does not decrypt with aeskey');
  }
  if (plain.length !== t.rawsize || md5Hex(plain) !== t.rawMd5) return cdnError(c, 400, 'decrypted bytes do not match rawsize/rawfilemd5');
  t.used = true;
  t.downloadParam ??= newCdnParam(st.rand);
  st.cdn.put({
    param: t.downloadParam,
    cipher: body,
    key: t.key,
    rawsize: t.rawsize,
    mime: t.mediaType === 1 ? 'image/*' : t.mediaType === 2 ? 'video/mp4' : 'application/octet-stream',
  });
  st.count('cdnUploads');
  c.koa.status = 200;
  if (fault?.kind !== 'cdn-no-param') c.koa.set('x-encrypted-param', t.downloadParam);
  c.koa.body = '';
}

/** `GET <cdn>/download?encrypted_query_param=…`: the ciphertext (plain bytes for keyless images). */
export function cdnDownload(c: IlinkCtx): void {
  const o = c.st.cdn.get(String(c.koa.query.encrypted_query_param ?? ''));
  if (!o) return cdnError(c, 404, 'no such object');
  c.st.count('cdnDownloads');
  c.koa.status = 200;
  c.koa.type = 'application/octet-stream';
  c.koa.body = o.cipher;
}
