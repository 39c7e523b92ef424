/**
 * Server-Sent Events for the live parts of the panel (account states, QR progress, new messages).
 * Each stream is a PassThrough body; a comment line every 15 s keeps proxies from closing it, and
 * the hub ends every stream when the panel is closed, so nothing keeps the process alive.
 */
import { PassThrough } from 'node:stream';
import type Koa from 'koa';

export interface SseStream {
  send(event: string, data: unknown): void;
  /** Runs when the client goes away or the hub closes. */
  onClose(fn: () => void): void;
  readonly closed: boolean;
}

export interface SseHub {
  open(ctx: Koa.Context): SseStream;
  /** Open streams (for tests and metrics). */
  readonly size: number;
  closeAll(): void;
}

/** @example const hub = createSseHub(); const s = hub.open(ctx); s.send('state', info); */
export function createSseHub(heartbeatMs = 15_000): SseHub {
  const streams = new Set<{ end(): void }>();
  return {
    open(ctx) {
      const body = new PassThrough();
      const closers: (() => void)[] = [];
      let closed = false;
      const end = (): void => {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        streams.delete(handle);
        for (const fn of closers.splice(0)) {
          try {
            fn();
          } catch {
            // a listener that fails to unsubscribe must not keep the others subscribed
          }
        }
        body.end();
      };
      const handle = { end };
      streams.add(handle);
      const timer = setInterval(() => body.write(': ping\n\n'), heartbeatMs);
      timer.unref();
      ctx.req.on('close', end);
      body.on('error', end);
      ctx.status = 200;
      ctx.type = 'text/event-stream';
      ctx.set('Cache-Control', 'no-store');
      ctx.set('X-Accel-Buffering', 'no');
      ctx.body = body;
      body.write('retry: 2000\n\n');
      return {
        send(event, data) {
          if (closed) return;
          body.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        },
        onClose: (fn) => void (closed ? fn() : closers.push(fn)),
        get closed() {
          return closed;
        },
      };
    },
    get size() {
      return streams.size;
    },
    closeAll() {
      for (const s of [...streams]) s.end();
    },
  };
}
