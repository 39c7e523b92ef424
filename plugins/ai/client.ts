/**
 * A minimal OpenAI-compatible chat-completions client over plain HTTP (axios), with a timeout
 * driven by the injected clock and one polite retry after a 429 when the server says how long
 * to wait and that fits in the budget.
 */
import type { AxiosInstance } from 'axios';
import type { PluginApi } from '../../src/plugin.js';

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

/** Why a completion failed; `status` is the HTTP status when there was one. */
export class AiError extends Error {
  override readonly name = 'AiError';
  constructor(
    readonly kind: AiErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What a network failure means, in words a user can act on; the exact error follows in brackets. */
function networkReason(err: unknown, url: string): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const exact = typeof e.message === 'string' ? e.message : String(err);
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused: nothing answers there (is the model server running?)'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name does not resolve (check the base URL, DNS or proxy)'
        : code === 'ECONNRESET' || code === 'EPIPE'
          ? 'the connection was cut (a proxy or firewall in between?)'
          : code === 'ETIMEDOUT' || code === 'ECONNABORTED'
            ? 'the connection timed out'
            : /CERT|SSL|TLS/i.test(code)
              ? 'the TLS certificate was not accepted'
              : 'the request did not get through';
  return `cannot reach the AI endpoint ${url}: ${why} (${exact})`;
}

/** What an HTTP error status from the endpoint means, before its own message. */
function statusReason(status: number, model: string): string {
  if (status === 401 || status === 403) return `the AI endpoint refused the API key (${status})`;
  if (status === 404) return `the AI endpoint does not know the model "${model}" or the base URL is wrong (404)`;
  if (status >= 500) return `the AI endpoint failed on its side (${status})`;
  return `the AI endpoint answered ${status}`;
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
  if (!req.baseUrl || !req.model) throw new AiError('not-configured', 'the AI endpoint has no base URL or model set');
  const deadline = clock.now() + req.timeoutMs;
  const url = `${req.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const body = {
    model: req.model,
    messages: req.messages,
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
  };
  for (let attempt = 0; ; attempt++) {
    if (req.signal?.aborted) throw new AiError('cancelled', 'the request was cancelled');
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
    if (outcome === 'timeout')
      throw new AiError('timeout', `the AI endpoint did not answer within ${req.timeoutMs / 1000} s (a slow model, or raise timeoutSeconds)`);
    if (outcome === 'cancelled' || req.signal?.aborted) throw new AiError('cancelled', 'the request was cancelled');
    if ('err' in outcome) throw new AiError('network', networkReason(outcome.err, url));
    const { res } = outcome;
    if (res.status === 429) {
      const wait = retryAfterMs(res.headers['retry-after'], clock.now());
      if (attempt === 0 && wait !== undefined && clock.now() + wait < deadline) {
        if (wait > 0) await clock.sleep(wait, req.signal).catch(() => {});
        continue;
      }
      throw new AiError('rate-limited', 'the AI endpoint is rate limiting (429)', 429);
    }
    if (res.status < 200 || res.status >= 300) {
      const detail = (res.data as { error?: { message?: unknown } } | null)?.error?.message;
      throw new AiError('http', `${statusReason(res.status, req.model)}${typeof detail === 'string' ? `: ${detail.slice(0, 200)}` : ''}`, res.status);
    }
    const text = contentOf(res.data);
    if (text === undefined) throw new AiError('bad-response', 'the AI endpoint answered without choices[0].message.content');
    return text;
  }
}
