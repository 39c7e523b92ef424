/**
 * Identifier formats of the iLink wire (ilink.md §3, §5), drawn from the sandbox's seeded random
 * source: QR ids, bot and user ids, tokens, context tokens, typing tickets, CDN params, cursors.
 */
import { randHex, type Rand } from '../ids.js';

const USER_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

function randBytes(rand: Rand, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** A QR id: 32 hex characters (§3.1). */
export function newQrcodeId(rand: Rand): string {
  return randHex(rand, 32);
}

/** `<12 hex>@im.bot` (§3.2). */
export function newBotId(rand: Rand): string {
  return `${randHex(rand, 12)}@im.bot`;
}

/** `<bot_id>:<hex>` (§3.2: opaque secret). */
export function newBotToken(rand: Rand, botId: string): string {
  return `${botId}:${randHex(rand, 48)}`;
}

/** `o9cq80` + 22 mixed-case characters + `@im.wechat` (§3.2); at least one upper-case letter. */
export function newUserId(rand: Rand): string {
  let tail = '';
  for (let i = 0; i < 22; i++) tail += USER_CHARS[Math.floor(rand() * USER_CHARS.length)];
  if (!/[A-Z]/.test(tail)) tail = 'Q' + tail.slice(1);
  return `o9cq80${tail}@im.wechat`;
}

/** An opaque base64 token (context tokens, typing tickets, session ids). */
export function newOpaque(rand: Rand, bytes: number): string {
  return randBytes(rand, bytes).toString('base64');
}

/** A CDN param: standard base64 with `+`, `/` and `=`, so clients must URL-encode it. */
export function newCdnParam(rand: Rand): string {
  return randBytes(rand, 60).toString('base64');
}

/** A cursor: opaque base64 whose decoded text the sandbox reads back (`<bot>.<position>.<salt>`). */
export function encodeCursor(rand: Rand, botId: string, position: number): string {
  return Buffer.from(`${botId.slice(0, 12)}.${position}.${randHex(rand, 8)}`, 'utf8').toString('base64');
}

/** The position in a cursor of this bot, or undefined for "" and anything unknown. */
export function decodeCursor(cursor: string, botId: string): number | undefined {
  if (!cursor) return undefined;
  const m = /^([0-9a-f]{12})\.(\d+)\.[0-9a-f]+$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!m || m[1] !== botId.slice(0, 12)) return undefined;
  return Number(m[2]);
}
