/**
 * Reads one HTTP/1.1 answer from the bytes of a kept-alive connection (the long poll's,
 * poll-connection.ts, and every other small request's, connection-pool.ts): status, headers, and a
 * body framed by Content-Length, chunked transfer coding or the end of the connection (RFC 9112
 * §6.3), decoded when the server compressed it. Interim 1xx answers are skipped. Only what a client
 * that sends GETs and POSTs without Expect needs.
 *
 * Bytes are copied once: the body's pieces are kept as they arrive and joined when the answer is
 * whole (a contact list of some MB arrives in 16 KiB TLS records; joining at every record would copy
 * it hundreds of times).
 */
import { decode as decodeBody } from '../transport/direct-request.js';
import type { HttpResponse } from './http.js';

/** Bigger header blocks are refused (node:http's limit is the same 16 KiB). */
const MAX_HEAD = 16 * 1024;
/** A long poll's answer is a few dozen bytes: a default for a reader that expects no more. */
const MAX_BODY = 1024 * 1024;
/** The longest line of a chunked body's framing (a size with its extensions, a trailer) kept while incomplete. */
const MAX_LINE = 8 * 1024;

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
/** Nothing read yet (shared: never written to). */
const NOTHING = Buffer.alloc(0);

/** An answer that is not HTTP/1.x, or too big: the connection cannot be trusted further. */
export class MalformedResponseError extends Error {
  override readonly name = 'MalformedResponseError';
}

/** An answer read whole, and whether the connection may carry the next request. */
export interface ReadResponse {
  response: HttpResponse;
  keepAlive: boolean;
}

interface Head {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  keepAlive: boolean;
  /** Content-Length, 'chunked', or 'close' (the body runs to the end of the connection). */
  framing: number | 'chunked' | 'close';
}

/** Where a chunked body's reading stands: a size line next, `left` bytes of data, the CRLF after them, or the trailers. */
type ChunkState = { at: 'size' } | { at: 'data'; left: number } | { at: 'data-end' } | { at: 'trailers' };

export class ResponseReader {
  /** Bytes not consumed yet: a head still incomplete, or a chunked body's framing line still incomplete. */
  private bytes: Buffer = NOTHING;
  private head: Head | undefined;
  /** The body's pieces so far and their length. */
  private parts: Buffer[] = [];
  private length = 0;
  private chunk: ChunkState = { at: 'size' };

  constructor(private readonly maxBody = MAX_BODY) {}

  /** Whether any byte of an answer arrived (a stale kept-alive socket closes before one does). */
  get started(): boolean {
    return this.bytes.length > 0 || this.head !== undefined;
  }

  /** Feed bytes; the answer once it is whole, else undefined. Throws `MalformedResponseError`. */
  push(chunk: Buffer): ReadResponse | undefined {
    let data = chunk;
    while (!this.head) {
      // One chunk is the usual case (a small answer fits in one TLS record): no copy then.
      this.bytes = this.bytes.length === 0 ? data : Buffer.concat([this.bytes, data]);
      const end = this.bytes.indexOf(HEAD_END);
      if (end < 0) {
        if (this.bytes.length > MAX_HEAD) throw new MalformedResponseError('HTTP header block too large');
        return undefined;
      }
      const head = readHead(this.bytes.toString('latin1', 0, end));
      data = this.bytes.subarray(end + 4);
      this.bytes = NOTHING;
      // 100 Continue, 103 Early Hints: the real answer follows.
      if (head.status >= 200) this.begin(head);
    }
    return this.body(this.head, data);
  }

  /** The connection ended: a body that runs to its end is whole now; anything else was cut short (undefined). */
  end(): ReadResponse | undefined {
    const head = this.head;
    if (!head || head.framing !== 'close') return undefined;
    return this.done(head, false);
  }

  private begin(head: Head): void {
    if (typeof head.framing === 'number' && head.framing > this.maxBody) throw new MalformedResponseError('HTTP body too large');
    this.head = head;
    this.parts = [];
    this.length = 0;
    this.chunk = { at: 'size' };
  }

  private body(head: Head, data: Buffer): ReadResponse | undefined {
    const { framing } = head;
    if (framing === 'chunked') return this.chunked(head, data);
    if (framing === 'close') {
      this.take(data);
      return undefined;
    }
    const want = framing - this.length;
    if (data.length < want) {
      this.take(data);
      return undefined;
    }
    this.take(data.subarray(0, want));
    // Bytes past the answer (nothing was asked for them): the connection is not used again.
    return this.done(head, head.keepAlive && data.length === want);
  }

  /** Keep a piece of the body. */
  private take(data: Buffer): void {
    if (data.length === 0) return;
    this.length += data.length;
    if (this.length > this.maxBody) throw new MalformedResponseError('HTTP body too large');
    this.parts.push(data);
  }

  private chunked(head: Head, chunk: Buffer): ReadResponse | undefined {
    let data = this.bytes.length === 0 ? chunk : Buffer.concat([this.bytes, chunk]);
    this.bytes = NOTHING;
    for (;;) {
      const state = this.chunk;
      if (state.at === 'data') {
        const n = Math.min(state.left, data.length);
        this.take(data.subarray(0, n));
        data = data.subarray(n);
        if (n < state.left) {
          state.left -= n;
          return undefined;
        }
        this.chunk = { at: 'data-end' };
        continue;
      }
      if (state.at === 'data-end') {
        if (data.length < 2) {
          this.bytes = data;
          return undefined;
        }
        if (data[0] !== 0x0d || data[1] !== 0x0a) throw new MalformedResponseError('no CRLF after a chunk');
        data = data.subarray(2);
        this.chunk = { at: 'size' };
        continue;
      }
      const eol = data.indexOf(CRLF);
      if (eol < 0) {
        if (data.length > MAX_LINE) throw new MalformedResponseError('chunked framing line too long');
        this.bytes = data;
        return undefined;
      }
      const line = data.toString('latin1', 0, eol);
      data = data.subarray(eol + 2);
      if (state.at === 'trailers') {
        // Trailers are ignored; the empty line ends the body.
        if (line.length === 0) return this.done(head, head.keepAlive && data.length === 0);
        continue;
      }
      const hex = line.split(';', 1)[0]!.trim();
      const size = /^[0-9a-fA-F]{1,12}$/.test(hex) ? parseInt(hex, 16) : NaN;
      if (!Number.isSafeInteger(size)) throw new MalformedResponseError('bad chunk size');
      this.chunk = size === 0 ? { at: 'trailers' } : { at: 'data', left: size };
    }
  }

  private done(head: Head, keepAlive: boolean): ReadResponse {
    const { parts } = this;
    const raw = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.length);
    this.head = undefined;
    this.parts = [];
    this.length = 0;
    this.bytes = NOTHING;
    const encoding = contentEncoding(head.headers['content-encoding']);
    let body: Buffer;
    try {
      body = decodeBody(raw, encoding);
    } catch (e) {
      throw new MalformedResponseError(`unreadable ${String(encoding)} body: ${(e as Error).message}`, { cause: e });
    }
    return { response: { status: head.status, headers: head.headers, body }, keepAlive };
  }
}

/** Whether the character at `i` is optional whitespace around a header's name or value (space, tab). */
function blank(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c === 32 || c === 9;
}

/** `text` from `from` to `to`, without the blanks at either end: one string cut, no slice then trim. */
function cutTrimmed(text: string, from: number, to: number): string {
  while (from < to && blank(text, from)) from++;
  while (to > from && blank(text, to - 1)) to--;
  return text.slice(from, to);
}

/**
 * The status line and the header lines of `text` (the head without its empty line). Lines are found with indexOf
 * and each name and value cut once, between bounds moved past its blanks: a split into an array of lines, then a
 * slice and a trim of each name and each value, made four strings and an array more per answer (issue 17: an
 * answer is read for every send).
 */
function readHead(text: string): Head {
  const eol = text.indexOf('\r\n');
  const first = eol < 0 ? text : text.slice(0, eol);
  const status = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(first);
  if (!status) throw new MalformedResponseError(`not an HTTP/1.x status line: ${JSON.stringify(first.slice(0, 40))}`);
  const headers: Record<string, string | string[] | undefined> = {};
  for (let start = eol + 2; eol >= 0 && start <= text.length;) {
    let end = text.indexOf('\r\n', start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon <= start || colon >= end)
      throw new MalformedResponseError(`not an HTTP header line: ${JSON.stringify(text.slice(start, Math.min(end, start + 40)))}`);
    const name = cutTrimmed(text, start, colon).toLowerCase();
    const value = cutTrimmed(text, colon + 1, end);
    const had = headers[name];
    if (name === 'set-cookie') headers[name] = [...((had as string[] | undefined) ?? []), value];
    else headers[name] = had === undefined ? value : `${had as string}, ${value}`;
    start = end + 2;
  }
  const code = Number(status[2]);
  const connection = String(headers.connection ?? '').toLowerCase();
  const keepAlive = status[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  const te = headers['transfer-encoding'];
  const length = headers['content-length'];
  if (code === 204 || code === 304 || code < 200) return { status: code, headers, keepAlive, framing: 0 };
  if (te !== undefined) {
    if (!/\bchunked\s*$/i.test(String(te))) return { status: code, headers, keepAlive: false, framing: 'close' };
    return { status: code, headers, keepAlive, framing: 'chunked' };
  }
  if (length === undefined) return { status: code, headers, keepAlive: false, framing: 'close' };
  if (!/^\d+$/.test(String(length))) throw new MalformedResponseError(`bad Content-Length: ${String(length)}`);
  return { status: code, headers, keepAlive, framing: Number(length) };
}

/** One Content-Encoding (the request offers gzip, deflate and br, as a browser's does); a list is left as it came. */
function contentEncoding(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
