/**
 * One `{type, content}` item onto weiroto's durable send queue: a text, or each URL of a `fileUrl`
 * fetched and queued in turn. The original answered only after WeChat took each message, so the
 * caller waits for the queue to settle; a send still held when the wait ends (an iLink account
 * outside its reply window, a paced queue) is reported as pending, never as failed, so a script
 * does not send it again.
 */
import type { OutboundRecord, OutgoingContent } from '../../bot/types.js';
import type { CompatBot } from './bot-port.js';
import { fetchFile, splitFileUrls } from './file-url.js';

export interface SendSettings {
  /** API_ALLOW_PRIVATE_URLS: file URLs may point at private addresses. */
  allowPrivate: boolean;
  /** How long one send is waited for before it counts as pending. */
  waitMs: number;
}

export interface Item {
  type?: unknown;
  content: string;
}

export type Outcome = { status: 'sent' } | { status: 'pending' } | { status: 'failed'; error: string };

const SOURCE = 'compat:wechatbot-webhook';

/** As the original reports a thrown error (`error.toString()`). */
export const errorText = (e: unknown): string => (e instanceof Error ? `Error: ${e.message}` : String(e));

/** What an item sends: one text, or one file per URL (fetched now, so a bad URL fails before anything of it is queued). */
async function contentsOf(item: Item, s: SendSettings): Promise<OutgoingContent[]> {
  if (item.type === 'fileUrl') {
    const out: OutgoingContent[] = [];
    for (const entry of splitFileUrls(item.content)) out.push(await fetchFile(entry, { allowPrivate: s.allowPrivate }));
    if (!out.length) throw new Error('no URL in content');
    return out;
  }
  return [{ type: 'text', text: item.content }];
}

/**
 * Queue an item (durably) without waiting for WeChat. With `key`, a second call with the same key
 * queues nothing new (quick replies of a redelivered callback).
 */
export async function queueItem(bot: CompatBot, chatId: string, item: Item, s: SendSettings, key?: string): Promise<OutboundRecord[]> {
  const contents = await contentsOf(item, s);
  const records: OutboundRecord[] = [];
  for (const [i, c] of contents.entries()) {
    records.push(await bot.send({ id: chatId }, c, { source: SOURCE, ...(key !== undefined && { idempotencyKey: `${key}:${i}` }) }));
  }
  return records;
}

/** Wait for queued records: failed if any failed, pending if any is still queued, else sent. */
export async function settle(bot: CompatBot, records: OutboundRecord[], s: SendSettings): Promise<Outcome> {
  let pending = false;
  for (const r of records) {
    // A send held for the user (iLink reply window, quota) is known at once: no need to sit out the wait.
    const done = await bot.waitFor(r.id, s.waitMs, { untilHeld: true });
    if (done.status === 'failed') return { status: 'failed', error: `Error: ${done.error?.message ?? 'send failed'}` };
    if (done.status !== 'sent') pending = true;
  }
  return pending ? { status: 'pending' } : { status: 'sent' };
}

/** Send one item and wait for it; the files of a `fileUrl` are fetched and sent one after another, as the original did. */
export async function sendItem(bot: CompatBot, chatId: string, item: Item, s: SendSettings): Promise<Outcome> {
  try {
    if (item.type !== 'fileUrl') return await settle(bot, await queueItem(bot, chatId, item, s), s);
    const entries = splitFileUrls(item.content);
    if (!entries.length) throw new Error('no URL in content');
    let pending = false;
    for (const entry of entries) {
      const file = await fetchFile(entry, { allowPrivate: s.allowPrivate });
      const out = await settle(bot, [await bot.send({ id: chatId }, file, { source: SOURCE })], s);
      if (out.status === 'failed') return out;
      if (out.status === 'pending') pending = true;
    }
    return pending ? { status: 'pending' } : { status: 'sent' };
  } catch (e) {
    return { status: 'failed', error: errorText(e) };
  }
}
