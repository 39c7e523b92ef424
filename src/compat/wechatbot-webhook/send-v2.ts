/**
 * `POST /webhook/msg/v2`: one `{to, isRoom?, data}` or an array of them. Every object and item is
 * checked before anything is sent (all or nothing); then recipients are served in body order and
 * their items one after another. The answer's `task` keeps the original's arithmetic, quirks
 * included: `totalCount` counts items, a recipient that is not found adds 1 to `failedCount`
 * however many items it had, and a rejected object adds its invalid items (or 1).
 */
import { ANSWERS } from './answers.js';
import type { CompatBot } from './bot-port.js';
import { resolveRecipient } from './recipient.js';
import { isPlainObject, itemReasons, recipientReasons } from './rules.js';
import { sendItem, type Outcome, type SendSettings } from './send-item.js';

export interface Task {
  successCount: number;
  totalCount: number;
  failedCount: number;
  reject: unknown[];
  sentFailed: unknown[];
  notFound: unknown[];
  /** weiroto's addition: items queued but held (iLink reply window, quota); never counted as failed. */
  pendingCount?: number;
  pending?: unknown[];
}

export interface V2Answer {
  status: 200 | 500;
  body: { success: boolean; message: string; task: Task };
}

type State = '' | 'pass' | 'reject';

export interface Unit {
  to: unknown;
  isRoom: unknown;
  data: unknown;
}

/** `isRoom` only when the caller gave it, as the original spreads it. */
const roomField = (isRoom: unknown): { isRoom?: unknown } => (isRoom === undefined ? {} : { isRoom });

export function precheck(u: Unit): { count: number; reject?: Record<string, unknown> & { data?: unknown } } {
  const count = Array.isArray(u.data) ? u.data.length : 1;
  let reject: (Record<string, unknown> & { data?: unknown }) | undefined;
  const parent = recipientReasons(u.to, u.isRoom, u.data);
  if (parent) reject = { to: u.to, ...roomField(u.isRoom), error: parent };
  if (Array.isArray(u.data)) {
    const bad = u.data.flatMap((item: unknown) => {
      const error = itemReasons(item);
      return error ? [{ error, ...(isPlainObject(item) ? item : {}) }] : [];
    });
    if (bad.length) reject = { ...reject, to: u.to, isRoom: u.isRoom, data: bad };
  } else if (isPlainObject(u.data)) {
    const error = itemReasons(u.data);
    if (error) reject = { ...reject, to: u.to, isRoom: u.isRoom, data: { ...u.data, error } };
  }
  if (reject) return { count, reject };
  if (u.isRoom === true && typeof u.to === 'object') return { count, reject: { to: u.to, isRoom: u.isRoom, error: ANSWERS.roomByObject } };
  return { count };
}

function unitOf(v: unknown): Unit {
  const o = isPlainObject(v) ? v : {};
  return { to: o.to, isRoom: o.isRoom, data: o.data };
}

/** Send to one recipient whose checks passed, item after item. */
async function sendUnit(bot: CompatBot, u: Unit, task: Task, s: SendSettings): Promise<State> {
  const found = resolveRecipient(bot, u.to, u.isRoom);
  if ('notFound' in found) {
    task.notFound.push({ to: u.to, ...roomField(u.isRoom), error: found.notFound, data: u.data });
    task.failedCount++;
    return 'pass';
  }
  const items = itemsOf(u.data);
  if (items.length === 0) return '';
  const outcomes: Outcome[] = [];
  for (const item of items) outcomes.push(await sendItem(bot, found.chatId, { type: item.type ?? 'text', content: item.content as string }, s));
  recordOutcomes(task, u, items, outcomes);
  return 'pass';
}

/** Count the outcomes of one recipient's items into the task, in the original's shapes. */
export function recordOutcomes(task: Task, u: Unit, items: Record<string, unknown>[], outcomes: Outcome[]): void {
  const failed = items.flatMap((item, i) => {
    const o = outcomes[i]!;
    // A single (non-array) item is reported back as given, without the error.
    return o.status === 'failed' ? [Array.isArray(u.data) ? { ...item, error: o.error } : item] : [];
  });
  const held = items.filter((_, i) => outcomes[i]!.status === 'pending');
  task.successCount += outcomes.filter((o) => o.status === 'sent').length;
  if (failed.length) {
    task.sentFailed.push({ to: u.to, ...roomField(u.isRoom), data: failed });
    task.failedCount += failed.length;
  }
  if (held.length) {
    (task.pending ??= []).push({ to: u.to, ...roomField(u.isRoom), data: held });
    task.pendingCount = (task.pendingCount ?? 0) + held.length;
  }
}

/** The items of a unit's `data` (one object or an array). */
export function itemsOf(data: unknown): Record<string, unknown>[] {
  return Array.isArray(data) ? (data as Record<string, unknown>[]) : isPlainObject(data) ? [data] : [];
}

export function emptyTask(): Task {
  return { successCount: 0, totalCount: 0, failedCount: 0, reject: [], sentFailed: [], notFound: [] };
}

/** The answer for a finished task, as the original words it. */
export function answerFor(state: State, task: Task): V2Answer {
  const pending = task.pendingCount ?? 0;
  if (state === 'reject') return { status: 200, body: { success: false, message: ANSWERS.invalidV2, task } };
  if (state === 'pass') {
    if (task.successCount === task.totalCount) return { status: 200, body: { success: true, message: ANSWERS.sent, task } };
    if (task.failedCount === task.totalCount) return { status: 200, body: { success: false, message: ANSWERS.allFailed(task.totalCount), task } };
    if (pending > 0 && task.failedCount === 0) return { status: 200, body: { success: true, message: ANSWERS.held(pending), task } };
    if (task.failedCount < task.totalCount) return { status: 200, body: { success: true, message: ANSWERS.partial, task } };
  }
  return { status: 500, body: { success: false, message: ANSWERS.unknown, task } };
}

/**
 * @example
 *   const { status, body } = await sendV2(bot, { to: 'Alice', data: { content: 'hi' } }, settings);
 */
export async function sendV2(bot: CompatBot, body: unknown, s: SendSettings): Promise<V2Answer> {
  const task = emptyTask();
  let state: State = '';
  const units = (Array.isArray(body) ? body : [body]).map(unitOf);
  for (const u of units) {
    const { count, reject } = precheck(u);
    task.totalCount += count;
    if (reject) {
      task.reject.push(reject);
      task.failedCount += reject.data === undefined ? 1 : Array.isArray(reject.data) ? reject.data.length || 1 : 1;
      state = 'reject';
    }
  }
  if (state !== 'reject') {
    for (const u of units) {
      const next = await sendUnit(bot, u, task, s);
      if (next) state = next;
    }
  }
  return answerFor(state, task);
}
