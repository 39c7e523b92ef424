/**
 * The long poll's own connection (synccheck, §5.5): one kept-alive socket per session, written and
 * read directly instead of through node:http. An idle account does nothing but this poll, 1,000 of
 * them 40 times a second, and node:https spent about three times the CPU of the bare exchange on
 * each request and allocated ~16 KB for it (the agent's pool key and option copies, the
 * ClientRequest, the parser, the IncomingMessage and their listeners), most of which the held
 * request kept for its 25 s: long enough to be promoted, and the old space it fills is what the
 * full collections of a 1,000-account process pay for. Here a poll is one header string written,
 * one answer read (response-reader.ts), one promise; the socket's own timeout (refreshed by its
 * traffic) and one listener on the caller's long-lived signal serve every poll.
 *
 * A reused socket the server had just closed (nothing of an answer read) is replaced once and the
 * request sent again, as `directRequest` does: the server never saw it.
 */
import type net from 'node:net';
import { RequestTimeoutError } from '../transport/direct-request.js';
import type { HttpResponse } from './http.js';
import { requestStarted } from './request-start.js';
import { ResponseReader } from './response-reader.js';

/** Opens the socket for an origin (TLS for https, plain TCP for the sandbox's http endpoint). */
export type Connect = (target: URL) => net.Socket;

interface Poll {
  resolve(res: HttpResponse): void;
  reject(err: unknown): void;
  target: URL;
  head: string;
  /** Sent again once already (on a new socket). */
  resent: boolean;
}

export class PollConnection {
  private socket: net.Socket | undefined;
  /** `host:port` the socket is connected to. */
  private origin = '';
  /** Answers read on this socket: a socket that carried one is a reused one. */
  private answered = 0;
  private timeoutMs = 0;
  private reader = new ResponseReader();
  private poll: Poll | undefined;
  /** The caller's signal this connection listens to (the sync loop's, which lives across polls). */
  private watched: AbortSignal | undefined;
  private readonly onAbort = (): void => this.cut(this.watched?.reason);

  constructor(private readonly connect: Connect) {}

  /**
   * Send `head` (the request line and headers, ending with the empty line) to `target`'s origin
   * and read the answer. One poll at a time. Rejects with the signal's reason when it aborts, a
   * `RequestTimeoutError` when the socket stays silent `timeoutMs`, else the socket's error.
   */
  exchange(target: URL, head: string, timeoutMs: number, signal?: AbortSignal): Promise<HttpResponse> {
    if (this.poll) return Promise.reject(new Error('a long poll is already under way on this connection'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.watch(signal);
    return new Promise((resolve, reject) => {
      this.poll = { resolve, reject, target, head, resent: false };
      this.send(timeoutMs);
    });
  }

  /** Close the socket (a poll under way fails) and stop listening to the signal. */
  close(): void {
    this.watch(undefined);
    this.cut(new Error('the long poll connection was closed'));
  }

  private watch(signal: AbortSignal | undefined): void {
    if (signal === this.watched) return;
    this.watched?.removeEventListener('abort', this.onAbort);
    signal?.addEventListener('abort', this.onAbort);
    this.watched = signal;
  }

  private send(timeoutMs: number): void {
    const poll = this.poll!;
    const origin = poll.target.host;
    if (this.socket && this.origin !== origin) this.drop();
    if (!this.socket) this.open(poll.target, origin);
    const socket = this.socket!;
    // setTimeout makes a new timer each call; traffic only refreshes it. So once per socket and length.
    if (this.timeoutMs !== timeoutMs) {
      this.timeoutMs = timeoutMs;
      socket.setTimeout(timeoutMs);
    }
    socket.write(poll.head, 'latin1');
    requestStarted(poll.target, poll.head);
  }

  private open(target: URL, origin: string): void {
    const socket = this.connect(target);
    this.socket = socket;
    this.origin = origin;
    this.answered = 0;
    this.timeoutMs = 0;
    this.reader = new ResponseReader();
    socket.on('data', (chunk: Buffer) => this.read(socket, chunk));
    socket.on('timeout', () => {
      if (this.socket !== socket) return;
      if (this.poll) this.cut(new RequestTimeoutError(this.timeoutMs));
      else this.drop();
    });
    let failure: Error | undefined;
    socket.on('error', (e) => (failure = e));
    socket.on('close', () => this.closed(socket, failure));
  }

  private read(socket: net.Socket, chunk: Buffer): void {
    if (this.socket !== socket) return;
    const poll = this.poll;
    if (!poll) return this.drop(); // bytes nobody asked for: the connection is out of step
    let read;
    try {
      read = this.reader.push(chunk);
    } catch (e) {
      return this.cut(e);
    }
    if (!read) return;
    this.poll = undefined;
    this.answered++;
    if (!read.keepAlive) this.drop();
    poll.resolve(read.response);
  }

  private closed(socket: net.Socket, failure: Error | undefined): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    const poll = this.poll;
    if (!poll) return;
    const read = this.reader.end();
    if (read) {
      this.poll = undefined;
      return poll.resolve(read.response);
    }
    if (this.answered > 0 && !this.reader.started && !poll.resent) {
      // A stale kept-alive socket: the request never reached the server.
      poll.resent = true;
      return this.send(this.timeoutMs);
    }
    this.poll = undefined;
    poll.reject(failure ?? new Error('the server closed the connection before it answered'));
  }

  /** Fail the poll under way (if any) with `why` and close the socket. */
  private cut(why: unknown): void {
    const poll = this.poll;
    this.poll = undefined;
    this.drop();
    poll?.reject(why);
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
  }
}
