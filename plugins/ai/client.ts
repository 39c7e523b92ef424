/**
 * A minimal OpenAI-compatible chat-completions client over plain HTTP (axios), with a timeout
 * driven by the injected clock and one polite retry after a 429 when the server says how long
 * to wait and that fits in the budget.
 */
import type { AxiosInstance } from 'axios';
import { PhrasedError, say, type PluginApi } from '../../src/plugin.js';
import { AI_PHRASES } from './phrases.js';

type Clock = PluginApi['clock'];

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  baseUrl: string;
  apiKey: string;
  model: string;
  messages: ChatMessage[];
  timeoutMs: number;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  /** Stops waiting at once (the plugin is being switched off). */
  signal?: AbortSignal | undefined;
}

export type AiErrorKind = 'timeout' | 'rate-limited' | 'http' | 'network' | 'bad-response' | 'not-configured' | 'cancelled';

/** Why a completion failed; `status` is the HTTP status when there was one. Its message is a phrase of AI_PHRASES. */
export class AiError extends PhrasedError {
  override readonly name = 'AiError';
  constructor(
    readonly kind: AiErrorKind,
    code: keyof typeof AI_PHRASES,
    params?: Record<string, string | number>,
    readonly status?: number,
  ) {
    const said = say(AI_PHRASES, code, params);
    super(said.message, said.phrase);
  }
}

/** What a network failure means, in words a user can act on; the exact error follows in brackets. */
function unreachable(err: unknown, url: string): AiError {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const exact = typeof e.message === 'string' ? e.message : String(err);
  const why =
    code === 'ECONNREFUSED'
      ? 'refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'dns'
        : code === 'ECONNRESET' || code === 'EPIPE'
          ? 'cut'
          : code === 'ETIMEDOUT' || code === 'ECONNABORTED'
            ? 'timeout'
            : /CERT|SSL|TLS/i.test(code)
              ? 'tls'
              : 'other';
  return new AiError('network', `unreachable.${why}`, { url, exact });
}

/** An HTTP error status from the endpoint, with the endpoint's own message (`detail`) after it. */
function statusError(status: number, model: string, detail: string | undefined): AiError {
  const more = { detail: detail === undefined ? '' : `: ${detail.slice(0, 200)}` };
  if (status === 401 || status === 403) return new AiError('http', 'http.key', { status, ...more }, status);
  if (status === 404) return new AiError('http', 'http.model', { model, ...more }, status);
  if (status >= 500) return new AiError('http', 'http.server', { status, ...more }, status);
  return new AiError('http', 'http.other', { status, ...more }, status);
}

/** Seconds or an HTTP date in Retry-After → milliseconds (undefined when absent or unreadable). */
function retryAfterMs(header: unknown, now: number): number | undefined {
  if (typeof header !== 'string' || !header.trim()) return undefined;
  const s = Number(header);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function contentOf(data: unknown): string | undefined {
  const choice = (data as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0];
  const c = choice?.message?.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((p) => (typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  return undefined;
}

/**
 * Ask the endpoint for one completion; resolves with the answer text or rejects with an AiError.
 *
 * @example
 *   const text = await complete(api.http, api.clock, { baseUrl, apiKey, model, messages, timeoutMs: 30_000 });
 */
export async function complete(http: AxiosInstance, clock: Clock, req: CompletionRequest): Promise<string> {
  if (!req.baseUrl || !req.model) throw new AiError('not-configured', 'not-configured');
  const deadline = clock.now() + req.timeoutMs;
  const url = `${req.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const body = {
    model: req.model,
    messages: req.messages,
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
  };
  for (let attempt = 0; ; attempt++) {
    if (req.signal?.aborted) throw new AiError('cancelled', 'cancelled');
    const abort = new AbortController();
    const onCancel = (): void => abort.abort();
    req.signal?.addEventListener('abort', onCancel, { once: true });
    const timer = clock.sleep(Math.max(0, deadline - clock.now()), abort.signal).then(
      () => 'timeout' as const,
      () => 'cancelled' as const,
    );
    const call = http
      .post(url, body, {
        headers: {
          'content-type': 'application/json',
          ...(req.apiKey ? { authorization: `Bearer ${req.apiKey}` } : {}),
        },
        signal: abort.signal,
        validateStatus: () => true,
        responseType: 'json',
      })
      .then(
        (res) => ({ res }),
        (err: unknown) => ({ err }),
      );
    const outcome = await Promise.race([call, timer]);
    abort.abort();
    req.signal?.removeEventListener('abort', onCancel);
    if (outcome === 'timeout') throw new AiError('timeout', 'timeout', { seconds: req.timeoutMs / 1000 });
    if (outcome === 'cancelled' || req.signal?.aborted) throw new AiError('cancelled', 'cancelled');
    if ('err' in outcome) throw unreachable(outcome.err, url);
    const { res } = outcome;
    if (res.status === 429) {
      const wait = retryAfterMs(res.headers['retry-after'], clock.now());
      if (attempt === 0 && wait !== undefined && clock.now() + wait < deadline) {
        if (wait > 0) await clock.sleep(wait, req.signal).catch(() => {});
        continue;
      }
      throw new AiError('rate-limited', 'rate-limited', undefined, 429);
    }
    if (res.status < 200 || res.status >= 300) {
      const detail = (res.data as { error?: { message?: unknown } } | null)?.error?.message;
      throw statusError(res.status, req.model, typeof detail === 'string' ? detail : undefined);
    }
    const text = contentOf(res.data);
    if (text === undefined) throw new AiError('bad-response', 'bad-response');
    return text;
  }
}
