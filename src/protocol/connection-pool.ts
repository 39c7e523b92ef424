/**
 * A session's small requests (webwxsync, sends, contacts, login…) on kept-alive connections it
 * writes and reads itself, as the long poll's (poll-connection.ts): a few sockets per origin, one
 * request at a time on each, the others queued. node:https spent about three times the CPU of the
 * bare exchange on each request and allocated ~16 KB for it (the agent's pool key and option
 * copies, the ClientRequest, the parser, the IncomingMessage and their listeners; issue 17). Here a
 * request is one write of its head and body, one answer read (response-reader.ts), one promise and
 * its deadline, under the pool's one timer (deadlines.ts).
 *
 * What `directRequest` (transport/direct-request.ts) does, this does too: a request that went out on
 * a reused socket the server had just closed (nothing of an answer read) is sent once more on a new
 * socket; a hard deadline covers the whole exchange, that second sending included; the caller's
 * signal aborts it with its reason. A connection whose answer says `Connection: close` (WeChat's
 * JSON answers) is closed after it, and the next request opens a new one.
 */
import type net from 'node:net';
import { RequestTimeoutError } from '../transport/direct-request.js';
import { Deadlines } from './deadlines.js';
import type { HttpResponse } from './http.js';
import type { Connect } from './poll-connection.js';
import { requestStarted } from './request-start.js';
import { ResponseReader } from './response-reader.js';

/** Connections per origin at most, as the agents had (`maxSockets`): sends run this many in parallel. */
const MAX_PER_ORIGIN = 8;
/**
 * The biggest answer read: a contact list of many thousands arrives whole (node:http had no limit); what
 * is beyond this is no WeChat answer.
 */
const MAX_BODY = 256 * 1024 * 1024;

/** One request from its start to its answer or failure. */
class Exchange {
  /** Set once the exchange ended (answered, failed, cut): later events are ignored. */
  settled = false;
  /** Sent again once already (on a new socket). */
  resent = false;
  /** The connection carrying it, if it was written. */
  on: Connection | undefined;
  onAbort: (() => void) | undefined;
  /** When it is given up (`Deadlines.now()`'s clock), queue wait and a second sending included. */
  readonly deadline: number;

  constructor(
    readonly origin: Origin,
    private readonly deadlines: Deadlines<Exchange>,
    readonly timeoutMs: number,
    /** The head and body as written (one write). */
    readonly bytes: string | Buffer,
    readonly signal: AbortSignal | undefined,
    readonly resolve: (res: HttpResponse) => void,
    readonly reject: (err: unknown) => void,
  ) {
    this.deadline = Deadlines.now() + timeoutMs;
  }

  /** End with `why`: out of the queue, or its connection closed (the answer would be no one's). */
  cut(why: unknown): void {
    if (this.settled) return;
    const { on } = this;
    this.finish();
    if (on) on.destroy();
    else this.origin.unqueue(this);
    this.reject(why);
  }

  finish(): void {
    this.settled = true;
    this.on = undefined;
    this.deadlines.delete(this);
    if (this.onAbort) this.signal!.removeEventListener('abort', this.onAbort);
  }
}

/** What node:http rejects with when the server closes before answering (network-problem.ts reads its code). */
function hangUp(): Error {
  return Object.assign(new Error('socket hang up: the server closed the connection before it answered'), { code: 'ECONNRESET' });
}

/** One socket and what it carries. */
class Connection {
  private readonly reader = new ResponseReader(MAX_BODY);
  /** Answers read on this socket: a socket that carried one is a reused one. */
  private answered = 0;
  /** The request it carries (none while idle). */
  exchange: Exchange | undefined;
  private failure: Error | undefined;
  /** Idle and unref'd: an idle socket does not keep the process alive (as node's agents leave their free sockets). */
  private parked = false;

  constructor(
    private readonly origin: Origin,
    private readonly socket: net.Socket,
    /** The URL it was opened for (its origin is the socket's). */
    private readonly target: URL,
  ) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (e) => (this.failure = e));
    socket.on('close', () => this.onClose());
  }

  start(x: Exchange): void {
    this.exchange = x;
    x.on = this;
    if (this.parked) {
      this.parked = false;
      this.socket.ref();
    }
    this.socket.write(x.bytes, 'latin1');
    requestStarted(this.target, x.bytes);
  }

  park(): void {
    this.parked = true;
    this.socket.unref();
  }

  /** Whether a request may still be written (an idle socket the server ended is on its way to closing). */
  get usable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  destroy(): void {
    this.exchange = undefined;
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    const x = this.exchange;
    if (!x) return this.destroy(); // bytes nobody asked for: the connection is out of step
    let read;
    try {
      read = this.reader.push(chunk);
    } catch (e) {
      return x.cut(e);
    }
    if (!read) return;
    this.exchange = undefined;
    this.answered++;
    x.finish();
    if (read.keepAlive) this.origin.free(this);
    else this.destroy();
    x.resolve(read.response);
  }

  private onClose(): void {
    const x = this.exchange;
    this.exchange = undefined;
    if (x) this.ended(x);
    this.origin.gone(this);
  }

  /** The socket closed under `x`: its answer if the end of the connection completes one, its second sending, or its failure. */
  private ended(x: Exchange): void {
    const read = this.reader.end();
    if (read) {
      x.finish();
      return x.resolve(read.response);
    }
    if (this.answered > 0 && !this.reader.started && !x.resent) {
      // A stale kept-alive socket: the request never reached the server.
      x.resent = true;
      x.on = undefined;
      return this.origin.dispatch(x, true);
    }
    x.finish();
    x.reject(this.failure ?? hangUp());
  }
}

/** The connections to one origin and the requests waiting for one. */
class Origin {
  /** Every connection open, busy or idle. */
  private readonly open = new Set<Connection>();
  private readonly idle: Connection[] = [];
  private readonly queue: Exchange[] = [];

  constructor(
    /** The URL of its first request: its sockets are opened for it (only its origin counts). */
    private readonly target: URL,
    private readonly connect: Connect,
  ) {}

  /** Write `x` on an idle connection, a new one if there is room (always when `fresh`), else queue it. */
  dispatch(x: Exchange, fresh = false): void {
    let conn = fresh ? undefined : this.idle.pop();
    while (conn && !conn.usable) conn = this.idle.pop();
    if (!conn && (fresh || this.open.size < MAX_PER_ORIGIN)) {
      try {
        conn = new Connection(this, this.connect(this.target), this.target);
      } catch (e) {
        x.finish();
        return x.reject(e);
      }
      this.open.add(conn);
    }
    if (conn) conn.start(x);
    else this.queue.push(x);
  }

  /** `conn` answered and may carry the next request. */
  free(conn: Connection): void {
    const next = this.queue.shift();
    if (next) return conn.start(next);
    conn.park();
    this.idle.push(conn);
  }

  /** `conn`'s socket closed: its place goes to the next request waiting. */
  gone(conn: Connection): void {
    if (!this.open.delete(conn)) return;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    const next = this.queue.shift();
    if (next) this.dispatch(next);
  }

  unqueue(x: Exchange): void {
    const i = this.queue.indexOf(x);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** Fail every request, queued or under way, with `why` and close every connection. */
  close(why: Error): void {
    for (const x of this.queue.splice(0)) x.cut(why);
    this.idle.length = 0;
    for (const conn of [...this.open]) {
      if (conn.exchange) conn.exchange.cut(why);
      else conn.destroy();
    }
    this.open.clear();
  }
}

export class ConnectionPool {
  private readonly origins = new Map<string, Origin>();
  private readonly deadlines = new Deadlines<Exchange>((x) => x.cut(new RequestTimeoutError(x.timeoutMs)));

  constructor(private readonly connect: Connect) {}

  /**
   * Write `bytes` (a request's head, ending with the empty line, and its body; latin1, as node:http
   * writes a head) to `target`'s origin and read the answer. Rejects with the signal's reason when it
   * aborts, a `RequestTimeoutError` past `timeoutMs`, a `MalformedResponseError`, else the socket's error.
   */
  exchange(target: URL, bytes: string | Buffer, timeoutMs: number, signal?: AbortSignal): Promise<HttpResponse> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let origin = this.origins.get(target.host);
    if (!origin) {
      origin = new Origin(target, this.connect);
      this.origins.set(target.host, origin);
    }
    const o = origin;
    return new Promise((resolve, reject) => {
      const x = new Exchange(o, this.deadlines, timeoutMs, bytes, signal, resolve, reject);
      this.deadlines.add(x);
      if (signal) {
        x.onAbort = () => x.cut(signal.reason);
        signal.addEventListener('abort', x.onAbort, { once: true });
      }
      o.dispatch(x);
    });
  }

  /** Fail every request under way and close every connection. */
  close(): void {
    const why = new Error('the session closed its connections');
    for (const o of this.origins.values()) o.close(why);
    this.origins.clear();
  }
}
