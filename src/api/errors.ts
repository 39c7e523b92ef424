/**
 * API errors: every failure answers `{error: {code, message}}` (plus `details` for field issues)
 * with the right status. Unknown errors are logged and answered 500 without internals.
 */
import type Koa from 'koa';
import type { Logger } from '../logger.js';
import { ValidationError } from '../pipeline/plugin.js';
import { TargetNotFoundError } from '../bot/bot.js';
import { WebhookInputError } from '../webhook/service.js';
import { FetchRefusedError } from '../util/outbound-guard.js';
import { UnsupportedError } from '../transport/capabilities.js';
import { HolderSilentError } from '../accounts/account-cluster.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
    /** More fields of the error object (e.g. `capability`). */
    readonly fields?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'invalid',
  429: 'rate_limited',
};

function toApiError(e: unknown): ApiError | undefined {
  if (e instanceof ApiError) return e;
  if (e instanceof ValidationError) return new ApiError(422, 'invalid_config', e.message, e.issues);
  if (e instanceof WebhookInputError) return new ApiError(e.status, CODES[e.status] ?? 'invalid', e.message, e.issues.length ? e.issues : undefined);
  if (e instanceof UnsupportedError) return new ApiError(422, 'unsupported', e.message, undefined, undefined, { capability: e.capability });
  if (e instanceof TargetNotFoundError) return new ApiError(422, 'target_not_found', e.message);
  if (e instanceof HolderSilentError)
    return e.started
      ? new ApiError(504, 'holder_timeout', `${e.message}.`)
      : new ApiError(503, 'holder_unavailable', `${e.message}; try again.`, undefined, { 'retry-after': '2' });
  if (e instanceof FetchRefusedError) return new ApiError(e.status, e.status === 413 ? 'payload_too_large' : 'url_refused', e.message);
  const err = e as { status?: unknown; expose?: unknown; message?: unknown };
  // Errors thrown by Koa and the body parser carry a status and say whether the message is safe.
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
    const msg = err.expose && typeof err.message === 'string' ? err.message : 'Bad request.';
    return new ApiError(err.status, CODES[err.status] ?? 'bad_request', msg);
  }
  return undefined;
}

/** Turn anything thrown downstream into the JSON error shape. */
export function errorMiddleware(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (e) {
      const api = toApiError(e);
      if (api) {
        ctx.status = api.status;
        if (api.headers) ctx.set(api.headers);
        ctx.body = { error: { code: api.code, message: api.message, ...(api.details !== undefined && { details: api.details }), ...api.fields } };
        return;
      }
      log.error({ err: e, path: ctx.path, method: ctx.method }, 'api request failed');
      ctx.status = 500;
      ctx.body = { error: { code: 'internal', message: 'Internal error; see the server log.' } };
    }
  };
}
