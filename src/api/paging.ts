/** Opaque cursors for list endpoints: base64url JSON, validated on the way back in. */
import { ApiError } from './errors.js';

export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw new ApiError(400, 'bad_cursor', 'The cursor is not one this API gave out.');
}

/** `limit` from the query: 1…max, default `def`. */
export function limitOf(raw: unknown, def = 50, max = 200): number {
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ApiError(400, 'bad_request', `limit must be an integer from 1 to ${max}.`);
  return n;
}

/** Offset paging over an in-memory list. */
export function pageOf<T>(all: T[], cursor: string | undefined, limit: number): { items: T[]; next?: string } {
  const c = decodeCursor(cursor);
  const offset = c === undefined ? 0 : Number(c.o);
  if (!Number.isInteger(offset) || offset < 0) throw new ApiError(400, 'bad_cursor', 'The cursor is not one this API gave out.');
  const items = all.slice(offset, offset + limit);
  return { items, ...(offset + limit < all.length && { next: encodeCursor({ o: offset + limit }) }) };
}
