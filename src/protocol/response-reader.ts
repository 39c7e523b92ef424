/**
 * Reads one HTTP/1.1 answer from the bytes of a kept-alive connection (the long poll's,
 * poll-connection.ts): status, headers, and a body framed by Content-Length, chunked transfer
 * coding or the end of the connection (RFC 9112 §6.3), decoded when the server compressed it.
 * Interim 1xx answers are skipped. Only what a client that sends a GET needs.
 */
import { decode as decodeBody } from '../transport/direct-request.js';
import type { HttpResponse } from './http.js';

/** Bigger answers are refused: a long poll's is a few dozen bytes (node:http's header limit is the same 16 KiB). */
const MAX_HEAD = 16 * 1024;
const MAX_BODY = 1024 * 1024;

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
  /** Where the body starts in the bytes read so far. */
  bodyAt: number;
}

export class ResponseReader {
  private bytes: Buffer = NOTHING;
  private head: Head | undefined;

  /** Whether any byte of an answer arrived (a stale kept-alive socket closes before one does). */
  get started(): boolean {
    return this.bytes.length > 0 || this.head !== undefined;
  }

  /** Feed bytes; the answer once it is whole, else undefined. Throws `MalformedResponseError`. */
  push(chunk: Buffer): ReadResponse | undefined {
    // One chunk is the usual case (a long poll's answer fits in one TLS record): no copy then.
    this.bytes = this.bytes.length === 0 ? chunk : Buffer.concat([this.bytes, chunk]);
    for (;;) {
      if (!this.head) {
        const end = this.bytes.indexOf(HEAD_END);
        if (end < 0) {
          if (this.bytes.length > MAX_HEAD) throw new MalformedResponseError('HTTP header block too large');
          return undefined;
        }
        const head = readHead(this.bytes.toString('latin1', 0, end), end + 4);
        if (head.status < 200) {
          // 100 Continue, 103 Early Hints: the real answer follows.
          this.bytes = this.bytes.subarray(head.bodyAt);
          continue;
        }
        this.head = head;
      }
      return this.body(this.head);
    }
  }

  /** The connection ended: a body that runs to its end is whole now; anything else was cut short (undefined). */
  end(): ReadResponse | undefined {
    const head = this.head;
    if (!head || head.framing !== 'close') return undefined;
    return this.done(head, this.bytes.subarray(head.bodyAt), false);
  }

  private body(head: Head): ReadResponse | undefined {
    const { framing, bodyAt } = head;
    if (this.bytes.length - bodyAt > MAX_BODY + (framing === 'chunked' ? MAX_HEAD : 0)) throw new MalformedResponseError('HTTP body too large');
    if (framing === 'close') return undefined;
    if (framing === 'chunked') {
      const body = dechunk(this.bytes, bodyAt);
      return body && this.done(head, body.data, head.keepAlive && body.end === this.bytes.length);
    }
    if (this.bytes.length - bodyAt < framing) return undefined;
    // Bytes past the answer (nothing was asked for them): the connection is not used again.
    return this.done(head, this.bytes.subarray(bodyAt, bodyAt + framing), head.keepAlive && this.bytes.length === bodyAt + framing);
  }

  private done(head: Head, body: Buffer, keepAlive: boolean): ReadResponse {
    this.bytes = NOTHING;
    this.head = undefined;
    return { response: { status: head.status, headers: head.headers, body: decodeBody(body, contentEncoding(head.headers['content-encoding'])) }, keepAlive };
  }
}

function readHead(text: string, bodyAt: number): Head {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]!);
  if (!status) throw new MalformedResponseError(`not an HTTP/1.x status line: ${JSON.stringify(lines[0]!.slice(0, 40))}`);
  const headers: Record<string, string | string[] | undefined> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MalformedResponseError(`not an HTTP header line: ${JSON.stringify(line.slice(0, 40))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const had = headers[name];
    if (name === 'set-cookie') headers[name] = [...((had as string[] | undefined) ?? []), value];
    else headers[name] = had === undefined ? value : `${had as string}, ${value}`;
  }
  const code = Number(status[2]);
  const connection = String(headers.connection ?? '').toLowerCase();
  const keepAlive = status[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  const te = headers['transfer-encoding'];
  const length = headers['content-length'];
  let framing: Head['framing'];
  if (code === 204 || code === 304 || code < 200) framing = 0;
  else if (te !== undefined) {
    if (!/\bchunked\s*$/i.test(String(te))) return { status: code, headers, keepAlive: false, framing: 'close', bodyAt };
    framing = 'chunked';
  } else if (length !== undefined) {
    if (!/^\d+$/.test(String(length))) throw new MalformedResponseError(`bad Content-Length: ${String(length)}`);
    framing = Number(length);
    if (framing > MAX_BODY) throw new MalformedResponseError('HTTP body too large');
  } else return { status: code, headers, keepAlive: false, framing: 'close', bodyAt };
  return { status: code, headers, keepAlive, framing, bodyAt };
}

/** The data of a chunked body starting at `from`, once its last chunk and trailers arrived; undefined before. */
function dechunk(bytes: Buffer, from: number): { data: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const eol = bytes.indexOf(CRLF, at);
    if (eol < 0) return undefined;
    const size = parseInt(bytes.toString('latin1', at, eol).split(';', 1)[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw new MalformedResponseError('bad chunk size');
    if (size === 0) {
      // Trailers (ignored), then the empty line: the first CRLF CRLF from the size line's own CRLF on.
      const end = bytes.indexOf(HEAD_END, eol);
      return end < 0 ? undefined : { data: Buffer.concat(parts), end: end + 4 };
    }
    if (bytes.length < eol + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** One Content-Encoding (the request offers gzip, deflate and br, as a browser's does); a list is left as it came. */
function contentEncoding(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
