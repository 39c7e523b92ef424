/**
 * Quick replies ("快捷回复"): a callback answered 2xx with `{success: true, data}` makes the bot
 * send `data` (v2 items) to the conversation the event came from. Items are queued durably before
 * the delivery is marked done, with idempotency keys from the webhook id, so a redelivery after a
 * crash sends nothing twice; the result is then reported with a `system_event_push_notify`
 * callback, as the original did once the sends were through. (The original waited a second before
 * sending; weiroto's queue paces sends itself.)
 */
import type { CompatBot } from './bot-port.js';
import { isPlainObject } from './rules.js';
import { errorText, queueItem, settle, type Outcome, type SendSettings } from './send-item.js';
import { answerFor, emptyTask, itemsOf, precheck, recordOutcomes, type V2Answer } from './send-v2.js';
import type { OutboundRecord } from '../../bot/types.js';

export interface QuickReplyAnswer {
  success?: unknown;
  data?: unknown;
}

/** The answer's JSON, or undefined when it is not JSON (the original threw and sent nothing). */
export function readAnswer(text: string): QuickReplyAnswer | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isPlainObject(v) ? v : {};
  } catch {
    return undefined;
  }
}

/**
 * Queue the reply's items to `chatId` now; returns a promise of the original's v2 answer for the
 * notify callback, settled once WeChat took (or refused) them.
 */
export async function queueQuickReply(
  bot: CompatBot,
  target: { chatId: string; to: string; isRoom: boolean },
  data: unknown,
  key: string,
  s: SendSettings,
): Promise<() => Promise<V2Answer>> {
  const task = emptyTask();
  const unit = { to: target.to, isRoom: target.isRoom, data };
  const { count, reject } = precheck(unit);
  task.totalCount += count;
  if (reject) {
    task.reject.push(reject);
    task.failedCount += Array.isArray(reject.data) ? reject.data.length || 1 : 1;
    return () => Promise.resolve(answerFor('reject', task));
  }
  const items = itemsOf(data);
  const queued: (OutboundRecord[] | Outcome)[] = [];
  for (const [i, item] of items.entries()) {
    try {
      queued.push(await queueItem(bot, target.chatId, { type: item.type ?? 'text', content: item.content as string }, s, `${key}:${i}`));
    } catch (e) {
      queued.push({ status: 'failed', error: errorText(e) });
    }
  }
  return async () => {
    const outcomes: Outcome[] = [];
    for (const q of queued) outcomes.push(Array.isArray(q) ? await settle(bot, q, s) : q);
    recordOutcomes(task, unit, items, outcomes);
    return answerFor(items.length ? 'pass' : '', task);
  };
}

/** The attempt-log note when a 2xx answer is not JSON (the original threw and sent nothing). */
export const NOT_JSON_NOTE = 'answer is not JSON: nothing sent';
