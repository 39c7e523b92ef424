/**
 * A small scripted HTTP server on 127.0.0.1 for iLink client tests: every request is recorded
 * (method, path, query, headers, JSON body, raw bytes); answers come from per-path queues of
 * scripted replies, then from a fallback handler, else 404. `getupdates` has a built-in long poll:
 * it answers with the next pushed batch, or an empty batch after `holdMs`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  // Raw wire JSON as the client sent it.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Reply {
  status?: number;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer (the client's timeout fires). */
  hang?: boolean;
  /** Destroy the socket without an answer. */
  reset?: boolean;
}

type Handler = (req: Recorded, raw: IncomingMessage) => Reply | Promise<Reply>;

export class ScriptedServer {
  readonly requests: Recorded[] = [];
  private readonly queues = new Map<string, Reply[]>();
  private readonly handlers = new Map<string, Handler>();
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  private batches: unknown[][] = [];
  private pollWaiters: (() => void)[] = [];
  private cursor = 0;
  /** How long an empty long poll is held (real ms). */
  holdMs = 50;
  origin = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.on('ilink/bot/getupdates', (_r, raw) => this.longPoll(raw));
    return this;
  }

  async close(): Promise<void> {
    for (const w of this.pollWaiters) w();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  /** Queue replies for a path (taken in order before the handler). */
  reply(path: string, ...replies: Reply[]): void {
    const q = this.queues.get(path) ?? [];
    q.push(...replies);
    this.queues.set(path, q);
  }

  on(path: string, handler: Handler): void {
    this.handlers.set(path, handler);
  }

  /** Messages for the next getupdates answer. */
  push(...msgs: unknown[]): void {
    this.batches.push(msgs);
    for (const w of this.pollWaiters.splice(0)) w();
  }

  calls(path: string): Recorded[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** The built-in long poll (put it back after a test replaced the getupdates handler). */
  async longPoll(raw: IncomingMessage): Promise<Reply> {
    if (this.batches.length === 0) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, this.holdMs);
        this.pollWaiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    // The client gave up on this poll (stopped): leave the batch for the next one.
    if (raw.socket.destroyed) return { hang: true };
    const msgs = this.batches.shift() ?? [];
    return { body: { ret: 0, msgs, get_updates_buf: msgs.length ? `cur-${++this.cursor}` : '', longpolling_timeout_ms: 35000 } };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    let body: unknown;
    try {
      body = raw.length && (req.headers['content-type'] ?? '').includes('json') ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      body = undefined;
    }
    const path = url.pathname.replace(/^\//, '');
    const rec: Recorded = { method: req.method ?? 'GET', path, query: url.searchParams, headers: req.headers, raw, body };
    this.requests.push(rec);
    const queued = this.queues.get(path)?.shift();
    const handler = this.handlers.get(path);
    const reply: Reply = queued ?? (handler ? await handler(rec, req) : { status: 404, body: 'not found' });
    if (reply.hang) return;
    if (reply.reset) {
      req.socket.destroy();
      return;
    }
    const b = reply.body;
    const text = b === undefined ? '' : Buffer.isBuffer(b) || typeof b === 'string' ? b : JSON.stringify(b);
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(text);
  }
}

/** An inbound text message as the server sends it. */
export function userText(n: number, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    seq: n,
    message_id: 7_182_640_000 + n,
    from_user_id: OWNER,
    to_user_id: BOT,
    create_time_ms: 1_790_000_000_000 + n,
    session_id: 's-1',
    message_type: 1,
    message_state: 2,
    context_token: `ctx-${n}`,
    item_list: [{ type: 1, text_item: { text } }],
    ...extra,
  };
}

export const OWNER = 'o9cq80Xk2LmP_q7RsT0uVwYz3AbC@im.wechat';
export const BOT = '3f9a0c1d2e4b@im.bot';
export const TOKEN = `${BOT}:0123456789abcdef`;

/** A confirmed QR status answer. */
export function confirmed(extra: Record<string, unknown> = {}): Reply {
  return { body: { status: 'confirmed', bot_token: TOKEN, ilink_bot_id: BOT, ilink_user_id: OWNER, ...extra } };
}
