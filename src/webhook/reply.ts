/**
 * The "AI hook over HTTP": a receiver that answers 2xx with `{"reply": {...}}` makes the bot answer
 * in the chat the event came from. Accepted shapes: `{text}`, `{type: 'text', text}`,
 * `{type: 'image' | 'video' | 'file', url, name?}`.
 */
export type WebhookReply = { type: 'text'; text: string } | { type: 'image' | 'video' | 'file'; url: string; name?: string };

const MAX_TEXT = 8000;

/**
 * Read the reply out of a receiver's answer. Returns undefined when there is none, or an error
 * string when there is one but it is malformed (recorded in the delivery log).
 *
 * @example
 *   parseReply('{"reply":{"text":"hi"}}'); // { reply: { type: 'text', text: 'hi' } }
 */
export function parseReply(body: string): { reply: WebhookReply } | { error: string } | undefined {
  const trimmed = body.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || !('reply' in parsed)) return undefined;
  const r = (parsed as { reply: unknown }).reply;
  if (r === null || r === undefined) return undefined;
  if (typeof r === 'string') return r ? { reply: { type: 'text', text: r.slice(0, MAX_TEXT) } } : undefined;
  if (typeof r !== 'object' || Array.isArray(r)) return { error: 'reply must be an object such as {"text": "…"}' };
  const o = r as Record<string, unknown>;
  const type = o.type ?? (typeof o.url === 'string' ? 'file' : 'text');
  if (type === 'text') {
    if (typeof o.text !== 'string' || o.text === '') return { error: 'reply.text must be a non-empty string' };
    return { reply: { type: 'text', text: o.text.slice(0, MAX_TEXT) } };
  }
  if (type === 'image' || type === 'video' || type === 'file') {
    if (typeof o.url !== 'string' || !/^https?:\/\//.test(o.url)) return { error: `reply.url must be an http(s) URL for a ${type}` };
    return { reply: { type, url: o.url, ...(typeof o.name === 'string' && o.name && { name: o.name }) } };
  }
  return { error: `reply.type must be text, image, video or file (got ${JSON.stringify(type).slice(0, 40)})` };
}
