/**
 * How the HTTP apps report a failed request. A client that goes away mid-answer (a closed tab
 * ending a server-sent-events stream, a cancelled download) surfaces from Koa's response pipeline
 * as ERR_STREAM_PREMATURE_CLOSE, ECONNRESET or EPIPE: that is the client's choice, not a fault of
 * the server, so it is a debug line; everything else is an error with its stack.
 */
import type Koa from 'koa';
import type { Logger } from '../logger.js';

const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_DESTROYED']);

/** True for errors that only say the client closed the connection. */
export function isClientGone(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CLIENT_GONE.has(code);
}

/** A Koa `error` listener that logs real failures as errors and departed clients at debug. */
export function requestErrorLogger(log: Logger, message: string): (err: Error, ctx?: Koa.Context) => void {
  return (err, ctx) => {
    const where = ctx ? { method: ctx.method, path: ctx.path } : {};
    if (isClientGone(err)) log.debug({ ...where, code: (err as { code?: string }).code }, 'client went away before the answer ended');
    else log.error({ err, ...where }, message);
  };
}
