/**
 * An HTTP proxy in front of the sandbox that can hold an answer on the wire: the request goes through
 * (the server acts on it: a send is journalled, and echoed into the account's sync), and its answer
 * waits until the test lets it go, as a slow link keeps it. The client may hang up meanwhile, which is
 * what a client that cuts its calls does (`gone`). Everything else passes straight through.
 */
import http from 'node:http';

export interface HeldAnswer {
  /** The server has answered the request (and acted on it); its answer waits here. */
  readonly arrived: Promise<void>;
  /** The client hung up before the answer was let go. */
  readonly gone: Promise<void>;
  /** Let the answer go on to the client (nothing when it hung up). */
  release(): void;
}

interface Hold {
  match: RegExp;
  arrived: () => void;
  gone: () => void;
  released: Promise<void>;
}

export class HoldingProxy {
  private server: http.Server | undefined;
  private target: URL | undefined;
  private holds: Hold[] = [];
  private watchers: { match: RegExp; seen: () => void }[] = [];

  get origin(): string {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('proxy not started');
    return `http://127.0.0.1:${a.port}`;
  }

  async start(target: string): Promise<void> {
    this.target = new URL(target);
    this.server = http.createServer((req, res) => void this.pass(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  /** Hold the answer of the next request whose path matches. */
  hold(match: RegExp): HeldAnswer {
    let arrived!: () => void;
    let gone!: () => void;
    let release!: () => void;
    const answer: HeldAnswer = {
      arrived: new Promise((r) => (arrived = r)),
      gone: new Promise((r) => (gone = r)),
      release: () => release(),
    };
    this.holds.push({ match, arrived, gone, released: new Promise((r) => (release = r)) });
    return answer;
  }

  /** Resolves when the next request whose path matches comes in. */
  next(match: RegExp): Promise<void> {
    return new Promise((seen) => this.watchers.push({ match, seen }));
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async pass(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const watching = this.watchers.filter((w) => w.match.test(path));
    this.watchers = this.watchers.filter((w) => !watching.includes(w));
    for (const w of watching) w.seen();
    const hold = this.holds.find((h) => h.match.test(path));
    if (hold) this.holds = this.holds.filter((h) => h !== hold);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer } | undefined>((resolve) => {
      const out = http.request({ host: this.target!.hostname, port: this.target!.port, method: req.method, path, headers: req.headers }, async (answer) => {
        const body: Buffer[] = [];
        for await (const c of answer) body.push(c as Buffer);
        resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(body) });
      });
      out.on('error', () => resolve(undefined));
      out.end(Buffer.concat(chunks));
    });
    if (!upstream) {
      res.destroy();
      return;
    }
    if (hold) {
      res.on('close', () => {
        if (!res.writableEnded) hold.gone();
      });
      hold.arrived();
      await hold.released;
      if (res.destroyed) return;
    }
    res.writeHead(upstream.status, upstream.headers);
    res.end(upstream.body);
  }
}
