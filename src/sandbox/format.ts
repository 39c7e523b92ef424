/**
 * Pure formatters for the exact bodies the real WeChat web server sends (protocol.md §4–§10):
 * JS-assignment bodies, the newloginpage XML, pretty-ish JSON with raw 64-bit numbers, and the
 * HTML escaping / emoji spans used in Content and NickName fields.
 */
import { randomBytes } from 'node:crypto';
import type { RawSyncKey } from '../protocol/raw-types.js';

/** `window.QRLogin.code = 200; window.QRLogin.uuid = "…";` (exact spacing, §4.1). */
export function jsloginBody(code: number, uuid?: string): string {
  return uuid === undefined ? `window.QRLogin.code = ${code};` : `window.QRLogin.code = ${code}; window.QRLogin.uuid = "${uuid}";`;
}

/** Login poll bodies (§4.3): no spaces around `=` except the avatar assignment. */
export function loginPollBody(code: number, extra?: { avatar?: string; redirectUri?: string }): string {
  if (code === 201 && extra?.avatar !== undefined) {
    return `window.code=201;window.userAvatar = '${extra.avatar}';`;
  }
  if (code === 200 && extra?.redirectUri !== undefined) {
    return `window.code=200;\nwindow.redirect_uri="${extra.redirectUri}";`;
  }
  return `window.code=${code};`;
}

/** `window.synccheck={retcode:"0",selector:"2"}` — no trailing semicolon (§5.5). */
export function synccheckBody(retcode: number | string, selector: number | string): string {
  return `window.synccheck={retcode:"${retcode}",selector:"${selector}"}`;
}

export interface LoginPageFields {
  skey: string;
  wxsid: string;
  wxuin: string;
  passTicket: string;
}

/** The flat `<error>` XML of webwxnewloginpage (§4.4): success or `ret`+message only. */
export function loginPageXml(ret: number, message: string, fields?: LoginPageFields): string {
  if (!fields) return `<error><ret>${ret}</ret><message>${escapeXmlText(message)}</message></error>`;
  return (
    `<error><ret>${ret}</ret><message>${escapeXmlText(message)}</message>` +
    `<skey>${fields.skey}</skey><wxsid>${fields.wxsid}</wxsid><wxuin>${fields.wxuin}</wxuin>` +
    `<pass_ticket>${fields.passTicket}</pass_ticket><isgrayscale>1</isgrayscale></error>`
  );
}

function escapeXmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A 64-bit number that must be written to JSON as raw digits (NewMsgId, §1.4). */
export class RawNumber {
  constructor(readonly digits: string) {
    if (!/^\d+$/.test(digits)) throw new Error(`RawNumber needs decimal digits, got ${digits}`);
  }
}

// A per-process nonce keeps user text from ever matching the marker.
const RAW_MARK = `__wxraw_${randomBytes(6).toString('hex')}__`;
const RAW_RE = new RegExp(`"${RAW_MARK}(\\d+)"`, 'g');

/**
 * Serialise like the real server: loosely pretty-printed, 64-bit numbers as raw digits so that a
 * client's plain JSON.parse loses precision exactly as it does against WeChat.
 */
export function wireJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof RawNumber ? RAW_MARK + v.digits : v), 1);
  return text.replace(RAW_RE, '$1');
}

/** `1_636444437|2_636445049|…` (the synccheck form of a key, §5.5). */
export function formatSyncKey(key: RawSyncKey): string {
  return key.List.map((k) => `${k.Key}_${k.Val}`).join('|');
}

/** Parse the synccheck form back into pairs; null when malformed. */
export function parseSyncKeyString(text: string): { Key: number; Val: number }[] | null {
  if (!text) return null;
  const out: { Key: number; Val: number }[] = [];
  for (const part of text.split('|')) {
    const m = /^(\d+)_(\d+)$/.exec(part);
    if (!m) return null;
    out.push({ Key: Number(m[1]), Val: Number(m[2]) });
  }
  return out;
}

/** True for code points the server renders as `<span class="emoji emojiXXXX"></span>`. */
function isEmojiCodePoint(cp: number): boolean {
  return (cp >= 0x1f000 && cp <= 0x1faff) || (cp >= 0x2600 && cp <= 0x27bf) || (cp >= 0x1f1e6 && cp <= 0x1f1ff);
}

/** HTML-escape `& < > "` and turn emoji into spans (NickName, DisplayName, Signature, §10.5). */
export function escapeName(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0xfe0f) continue; // variation selectors never reach the wire
    if (isEmojiCodePoint(cp)) out += `<span class="emoji emoji${cp.toString(16)}"></span>`;
    else if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else out += ch;
  }
  return out;
}

/** Message Content as received: escaped, emoji spans, newlines as literal `<br/>` (§10.5). */
export function escapeContent(text: string): string {
  return escapeName(text.replace(/\r\n/g, '\n')).replace(/\n/g, '<br/>');
}

/** Fully escape an XML payload for Content (XML types arrive entity-escaped, §10.5). */
export function escapeXmlPayload(xml: string): string {
  return xml.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Escape a value for an XML attribute inside a payload (before the payload is escaped again). */
export function xmlAttr(v: string | number): string {
  return String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Decode a pass_ticket that may arrive raw, encoded or double-encoded (§3). */
export function normalisePassTicket(v: string): string {
  let cur = v;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(cur);
    } catch {
      break;
    }
    if (next === cur) break;
    cur = next;
  }
  return cur;
}
