/**
 * Host-level values that fill a plugin's settings left blank (what `setup` receives; the stored
 * settings stay as written), and the rule for the AI plugin: the deployment's AI_API_KEY goes only
 * to the deployment's AI_BASE_URL.
 */
import { normaliseHttpUrl } from '../util/http-url.js';
import { checkUrl, type OutboundPolicy } from '../util/outbound-guard.js';
import { ValidationError } from './plugin.js';
import { say } from '../util/phrase.js';
import { PHRASES } from '../util/phrase-book.js';

/** Computes what `setup` receives from the saved settings; throws ValidationError when they cannot work. */
export type ConfigFiller = (saved: Record<string, unknown>) => Record<string, unknown>;

/** Plain values fill blank (undefined or "") top-level fields; a function decides itself. */
export type ConfigDefaults = Record<string, unknown> | ConfigFiller;

const blank = (v: unknown): boolean => v === undefined || v === '';

/**
 * `saved` with every blank top-level field taken from `defaults`, or what the filler makes of it.
 *
 * @example
 *   fillConfig({ model: '' }, { model: 'gpt-4o-mini' }); // { model: 'gpt-4o-mini' }
 */
export function fillConfig(saved: unknown, defaults: ConfigDefaults | undefined): unknown {
  if (!defaults || typeof saved !== 'object' || saved === null || Array.isArray(saved)) return saved;
  const s = saved as Record<string, unknown>;
  if (typeof defaults === 'function') return defaults(s);
  const out: Record<string, unknown> = { ...s };
  for (const [k, v] of Object.entries(defaults)) if (!blank(v) && blank(out[k])) out[k] = v;
  return out;
}

/** A base URL in the form compared and called (parsed, without a trailing slash). */
function baseUrlOf(raw: string, field: string): string {
  try {
    return normaliseHttpUrl(raw).replace(/\/+$/, '');
  } catch (e) {
    const said = say(PHRASES, 'config.bad-url', { problem: (e as Error).message });
    throw new ValidationError(`${field}: ${said.message}`, [{ path: field, ...said }]);
  }
}

/**
 * The ai plugin's defaults from AI_BASE_URL / AI_API_KEY / AI_MODEL. A blank baseUrl means the
 * deployment's endpoint with the deployment's key. An account's own baseUrl needs its own apiKey
 * (AI_API_KEY is never sent anywhere else), and is refused at once when it names a private or
 * loopback address the policy does not allow (the guarded HTTP client refuses it anyway, also
 * for names that resolve inward).
 *
 * @example
 *   pluginConfigDefaults: { ai: aiDeploymentDefaults(config.ai, policy) }
 */
export function aiDeploymentDefaults(
  ai: { baseUrl?: string | undefined; apiKey?: string | undefined; model?: string | undefined },
  policy: OutboundPolicy,
): ConfigFiller {
  const deployment = ai.baseUrl ? baseUrlOf(ai.baseUrl, 'AI_BASE_URL') : undefined;
  return (saved) => {
    const out: Record<string, unknown> = { ...saved };
    if (blank(out.model) && ai.model) out.model = ai.model;
    const own = typeof saved.baseUrl === 'string' && saved.baseUrl.trim() !== '' ? baseUrlOf(saved.baseUrl, 'baseUrl') : undefined;
    if (own === undefined || own === deployment) {
      if (deployment) out.baseUrl = deployment;
      if (blank(out.apiKey) && ai.apiKey) out.apiKey = ai.apiKey;
      return out;
    }
    out.baseUrl = own;
    if (blank(out.apiKey) && ai.apiKey) {
      const said = say(PHRASES, 'config.ai-key-elsewhere', { url: own });
      throw new ValidationError(said.message, [{ path: 'apiKey', ...said }]);
    }
    try {
      checkUrl(own, policy);
    } catch (e) {
      const said = say(PHRASES, 'config.private-url', { problem: (e as Error).message });
      throw new ValidationError(`baseUrl: ${said.message}`, [{ path: 'baseUrl', ...said }]);
    }
    return out;
  };
}
