/** A webhook receiver for tests: a node:http server on 127.0.0.1 that logs every request and answers as told. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  json: { type: string; timestamp: string; account: string; data: Record<string, unknown> | null };
  at: number;
}

/** `until`: answer only once it settles (a delivery kept in flight for as long as a test needs). */
export type Answer = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number; until?: Promise<unknown> };

export class Receiver {
  /** Requests answered 2xx (what the receiver accepted). */
  readonly log: Received[] = [];
  /** Every request, whatever the answer. */
  readonly all: Received[] = [];
  answer: (r: Received) => Answer = () => ({ status: 200, body: 'ok' });
  private server: Server | undefined;
  port = 0;
  private sockets = new Set<Socket>();

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Listen (again on the same port when it was listening before). */
  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 1000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stop listening: connections are refused until `start()` again. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** Unique webhook ids in first-seen order. */
  unique(): Received[] {
    const seen = new Set<string>();
    return this.log.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
  }

  async waitFor(pred: () => boolean, timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting; received ${this.log.length} requests`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') {
      // A file for reply media: a tiny PNG header is enough for the tests.
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(Buffer.from('89504e470d0a1a0a', 'hex'));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const r: Received = {
      id: String(req.headers['webhook-id']),
      timestamp: String(req.headers['webhook-timestamp']),
      signature: String(req.headers['webhook-signature']),
      body,
      json: JSON.parse(body) as Received['json'],
      at: Date.now(),
    };
    this.all.push(r);
    const a = this.answer(r);
    if (a.status >= 200 && a.status < 300) this.log.push(r);
    if (a.delayMs) await new Promise((x) => setTimeout(x, a.delayMs));
    if (a.until) await a.until;
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(a.body ?? '');
  }
}
