/**
 * `POST /webhook/msg` ("v1", docs/legacy-api.md): a JSON `{to, isRoom?, type?, content}` text or
 * file URL, or a multipart upload of one local file (`to`, `isRoom` "1"/"0", `content` = the file).
 * Answers `{success, message}` with the original's texts; a held send is `success: true` with
 * `pending: true` (weiroto's addition).
 */
import { ANSWERS } from './answers.js';
import type { CompatBot } from './bot-port.js';
import { kindOfName } from './file-url.js';
import { parseLenientJson } from './lenient-json.js';
import { resolveRecipient } from './recipient.js';
import { isPlainObject, reasons } from './rules.js';
import { errorText, sendItem, settle, type Outcome, type SendSettings } from './send-item.js';

export interface V1Answer {
  success: boolean;
  message: string;
  error?: string;
  pending?: true;
}

export interface Upload {
  fields: Record<string, string>;
  file?: { name: string; data: Buffer; mimeType: string };
}

function answer(o: Outcome): V1Answer {
  if (o.status === 'sent') return { success: true, message: ANSWERS.sent };
  if (o.status === 'pending') return { success: true, message: ANSWERS.held(1), pending: true };
  return { success: false, message: ANSWERS.sentFailed, error: o.error };
}

/**
 * curl sends a UTF-8 file name as it is, and a multipart parser reading it as Latin-1 turns 中文
 * into mojibake (the original's issue #71): undo that when the name is Latin-1 only and its bytes
 * are valid UTF-8.
 */
export function redecodeFileName(name: string): string {
  if ([...name].some((c) => c.charCodeAt(0) > 0xff) || !/[\x80-\xff]/.test(name)) return name;
  const bytes = Buffer.from(name, 'latin1');
  const utf8 = bytes.toString('utf8');
  return Buffer.from(utf8, 'utf8').equals(bytes) ? utf8 : name;
}

export async function sendV1Json(bot: CompatBot, body: unknown, s: SendSettings): Promise<V1Answer> {
  const o = isPlainObject(body) ? body : {};
  const type = o.type ?? 'text';
  const why = reasons([
    { key: 'to', value: o.to, required: true, types: ['string', 'object'] },
    { key: 'type', value: type, required: false, types: ['string'], enum: ['text', 'fileUrl'] },
    { key: 'content', value: o.content, required: true, types: ['string'] },
    { key: 'isRoom', value: o.isRoom, required: false, types: ['boolean'] },
  ]);
  if (why) return { success: false, message: ANSWERS.invalidV1(why) };
  if (o.isRoom === true && typeof o.to === 'object') return { success: false, message: ANSWERS.roomByObject };
  const found = resolveRecipient(bot, o.to, o.isRoom);
  if ('notFound' in found) return { success: false, message: found.notFound };
  return answer(await sendItem(bot, found.chatId, { type, content: o.content as string }, s));
}

export async function sendV1Upload(bot: CompatBot, upload: Upload, s: SendSettings): Promise<V1Answer> {
  const isRoomRaw = upload.fields.isRoom ?? '0';
  const reasonsList = [
    reasons([
      { key: 'to', value: upload.fields.to ?? undefined, required: true, types: ['string'] },
      { key: 'isRoom', value: isRoomRaw, required: false, types: ['string'], enum: ['1', '0'] },
    ]),
    upload.file && upload.file.data.length > 0 ? '' : 'content 上传的文件不能为空',
  ].filter(Boolean);
  let to: unknown = upload.fields.to;
  // `{alias: x}` in a form field, quotes optional: the remark form of `to`.
  if (typeof to === 'string' && /{\s*"?'?alias"?'?\s*:[^}]+}/.test(to)) {
    try {
      const parsed = parseLenientJson(to.replace(/(:\s*)([^'"\s{}][^,}]*?)(\s*})/, '$1"$2"$3'));
      if (!isPlainObject(parsed)) throw new Error('not an object');
      to = parsed;
    } catch {
      reasonsList.unshift(ANSWERS.aliasNotJson);
    }
  }
  if (reasonsList.length) return { success: false, message: ANSWERS.invalidV1(reasonsList.join('，')) };
  const isRoom = isRoomRaw === '1';
  const found = resolveRecipient(bot, to, isRoom);
  if ('notFound' in found) return { success: false, message: found.notFound };
  const file = upload.file!;
  const name = redecodeFileName(file.name);
  try {
    const record = await bot.send(
      { id: found.chatId },
      { type: kindOfName(name), file: { name, data: file.data, mimeType: file.mimeType } },
      { source: 'compat:wechatbot-webhook' },
    );
    return answer(await settle(bot, [record], s));
  } catch (e) {
    return answer({ status: 'failed', error: errorText(e) });
  }
}
