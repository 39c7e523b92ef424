/**
 * `GET /api/v1/events`: the account events as server-sent events, read from the durable event log.
 * Each SSE `id` is the log's sequence number, `event` the event type and `data` the same JSON body a
 * webhook carries. A client that reconnects with `Last-Event-ID` (or `?after=`) gets every event
 * after that one, also across a restart of weiroto; without it the stream starts at "now".
 * Filters: `account` and `type`, each repeatable or comma-separated.
 */
import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import type Koa from 'koa';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from '../bot/event-vocabulary.js';
import type { EventLog, LoggedEvent } from '../webhook/event-log.js';
import { ApiError } from './errors.js';
import type { ApiDeps } from './types.js';

const PAGE = 500;
/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

function listParam(ctx: Koa.Context, name: string): string[] {
  const raw = ctx.query[name];
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

async function startSeq(ctx: Koa.Context, events: EventLog): Promise<number> {
  const given = ctx.get('last-event-id') || (typeof ctx.query.after === 'string' ? ctx.query.after : '');
  if (given === '') return events.lastSeq();
  if (!/^\d{1,15}$/.test(given)) throw new ApiError(400, 'bad_request', 'Last-Event-ID (or after) must be an event id from this stream.');
  return Number(given);
}

/** One SSE frame. Bodies are single-line JSON, so one `data:` line each. */
export function sseFrame(e: { id?: number | string; event?: string; data: string }): string {
  return `${e.id !== undefined ? `id: ${e.id}\n` : ''}${e.event ? `event: ${e.event}\n` : ''}data: ${e.data.replace(/\n/g, '\ndata: ')}\n\n`;
}

/**
 * Answer a Koa request with an event stream and return the writer; `signal` aborts when the client goes.
 *
 * @example
 *   const { write, signal } = openSse(ctx);
 *   write(sseFrame({ event: 'hello', data: '{}' }));
 */
export function openSse(ctx: Koa.Context): { write(chunk: string): Promise<void>; signal: AbortSignal; end(): void } {
  const stream = new PassThrough();
  const ac = new AbortController();
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.status = 200;
  ctx.type = 'text/event-stream';
  ctx.set('cache-control', 'no-cache, no-transform');
  ctx.set('x-accel-buffering', 'no');
  ctx.body = stream;
  const abort = (): void => ac.abort();
  ctx.req.on('close', abort);
  ctx.res.on('close', abort);
  stream.on('close', abort);
  return {
    signal: ac.signal,
    write: (chunk) =>
      new Promise<void>((resolve) => {
        if (ac.signal.aborted || stream.write(chunk)) return resolve();
        const go = (): void => {
          stream.off('drain', go);
          ac.signal.removeEventListener('abort', go);
          resolve();
        };
        stream.on('drain', go);
        ac.signal.addEventListener('abort', go, { once: true });
      }),
    end: () => stream.end(),
  };
}

async function pump(events: EventLog, sse: ReturnType<typeof openSse>, after: number, accounts: string[], types: string[]): Promise<void> {
  await sse.write('retry: 2000\n\n');
  while (!sse.signal.aborted) {
    let rows: LoggedEvent[];
    // A wake between this read and the wait below (its events committed after the read looked) must not be missed.
    const seen = events.wakes();
    do {
      rows = await events.read({ after, accounts, types, limit: PAGE });
      for (const r of rows) {
        await sse.write(sseFrame({ id: r.seq, event: r.type, data: r.body }));
        after = r.seq;
      }
    } while (rows.length === PAGE && !sse.signal.aborted);
    const quiet = AbortSignal.timeout(KEEPALIVE_MS);
    await events.changed(AbortSignal.any([sse.signal, quiet]), seen);
    if (quiet.aborted && !sse.signal.aborted) await sse.write(': keep-alive\n\n');
  }
}

export function eventsRoute(router: Router, deps: ApiDeps): void {
  router.get('/events', async (ctx) => {
    const events = deps.events;
    if (!events) throw new ApiError(404, 'not_found', 'The event stream is not available in this process.');
    const types = listParam(ctx, 'type');
    const unknown = types.filter((t) => !isWebhookEventType(t));
    if (unknown.length) throw new ApiError(422, 'invalid', `Unknown event type ${unknown.join(', ')}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}.`);
    const accounts = listParam(ctx, 'account');
    const after = await startSeq(ctx, events);
    const sse = openSse(ctx);
    pump(events, sse, after, accounts, types).then(
      () => sse.end(),
      (e: unknown) => {
        deps.log.warn({ err: e }, 'event stream ended with an error');
        sse.end();
      },
    );
  });
}
