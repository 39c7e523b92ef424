/**
 * Receiving (ilink.md §4, §9 C): the `getupdates` long poll with its opaque cursor, both cursor
 * models, the concurrent-poll switch, and redelivery (duplicates with the same id, a new id or
 * none) as the real server was seen to do it.
 */
import { decodeCursor, encodeCursor } from './ids.js';
import type { Bot, HeldPoll, WireMessage } from './model.js';
import { DUPLICATE_FAULTS, type IlinkState } from './state.js';
import { authenticate, cdnBase, RawNumber, sendStale, sendWire, str, type IlinkCtx } from './wire.js';

const TRIM_AT = 4000;

/** Put a message in the bot's inbox and wake the oldest held poll. */
export function enqueue(st: IlinkState, bot: Bot, msg: WireMessage): void {
  bot.inbox.push(msg);
  bot.held.shift()?.wake('message');
  trim(st, bot);
}

/** Keep memory bounded (called when messages come and when a cursor acknowledges them). */
function trim(st: IlinkState, bot: Bot): void {
  if (bot.inbox.length > TRIM_AT) {
    // Keep memory bounded: drop what the cursor model has moved past; if nobody reads at all,
    // keep only the newest messages (a real server would not keep them for ever either).
    const done = st.opts.cursorMode === 'server-ack' ? bot.handedOut : bot.acked;
    let drop = Math.min(done - bot.inboxBase, bot.inbox.length - 1);
    if (bot.inbox.length - Math.max(drop, 0) > TRIM_AT * 4) drop = bot.inbox.length - TRIM_AT * 2;
    if (drop > 0) {
      bot.inbox.splice(0, drop);
      bot.inboxBase += drop;
      bot.handedOut = Math.max(bot.handedOut, bot.inboxBase);
      bot.acked = Math.max(bot.acked, bot.inboxBase);
    }
  }
}

/** The wire form of a message: `message_id` as bare digits, media with `full_url` when switched on. */
export function wireMessage(m: WireMessage, fullUrlBase?: string): Record<string, unknown> {
  const { seq, message_id, ...rest } = m;
  const items = fullUrlBase === undefined || m.message_type !== 1 ? rest.item_list : rest.item_list.map((i) => withFullUrls(i, fullUrlBase));
  return { seq, ...(message_id !== undefined ? { message_id: new RawNumber(message_id) } : {}), ...rest, item_list: items };
}

const PAYLOADS = ['image_item', 'voice_item', 'file_item', 'video_item'];

/** Add the server-given download URL (§5.2 `full_url`) to an item's media. */
function withFullUrls(item: Record<string, unknown>, base: string): Record<string, unknown> {
  const out = { ...item };
  for (const p of PAYLOADS) {
    const payload = out[p] as Record<string, unknown> | undefined;
    if (!payload) continue;
    const copy = { ...payload };
    for (const k of ['media', 'thumb_media']) {
      const media = copy[k] as { encrypt_query_param?: string } | undefined;
      if (media?.encrypt_query_param)
        copy[k] = { ...media, full_url: `${base}/download?encrypted_query_param=${encodeURIComponent(media.encrypt_query_param)}` };
    }
    out[p] = copy;
  }
  return out;
}

/** A copy of a user message as the server redelivers it (§4.5, §9.17). */
function redelivered(st: IlinkState, m: WireMessage, kind: 'same-id' | 'new-id' | 'no-id'): WireMessage {
  const copy: WireMessage = { ...m, item_list: m.item_list.map((i) => ({ ...i })) };
  if (kind === 'new-id') {
    copy.message_id = st.nextMessageId();
    const first = copy.item_list[0];
    if (first) {
      if ('ref_msg' in first) delete first.ref_msg;
      else first.ref_msg = { title: '', message_item: { type: 1, text_item: { text: '' } } };
    }
  }
  if (kind === 'no-id') delete copy.message_id;
  st.copies.add(copy);
  return copy;
}

/** Redeliver `count` handed-out user messages now (the `late-redelivery` fault). */
export function lateRedelivery(st: IlinkState, bot: Bot, count: number): number {
  const handed = bot.inbox.slice(0, Math.max(0, handedPosition(st, bot) - bot.inboxBase)).filter((m) => m.message_type === 1 && !st.copies.has(m));
  const picked = handed.slice(-count);
  for (const m of picked) enqueue(st, bot, redelivered(st, m, 'same-id'));
  return picked.length;
}

function handedPosition(st: IlinkState, bot: Bot): number {
  return st.opts.cursorMode === 'server-ack' ? bot.handedOut : bot.inboxBase + bot.inbox.length;
}

/** Messages ready for a poll carrying `cursor`, and the cursor to answer; marks them handed out. */
function take(st: IlinkState, bot: Bot, cursor: string): { msgs: WireMessage[]; next: string } {
  let from: number;
  if (st.opts.cursorMode === 'server-ack') from = bot.handedOut;
  else {
    const pos = decodeCursor(cursor, bot.id);
    if (pos !== undefined) bot.acked = Math.max(bot.acked, Math.min(pos, bot.inboxBase + bot.inbox.length));
    from = Math.max(pos ?? bot.acked, bot.inboxBase);
  }
  trim(st, bot);
  from = Math.max(from, bot.inboxBase);
  const msgs = bot.inbox.slice(from - bot.inboxBase);
  const end = bot.inboxBase + bot.inbox.length;
  bot.handedOut = Math.max(bot.handedOut, end);
  for (const m of msgs) if (m.message_type === 1 && !st.copies.has(m)) scheduleCopies(st, bot, m);
  return { msgs, next: encodeCursor(st.rand, bot.id, end) };
}

function scheduleCopies(st: IlinkState, bot: Bot, m: WireMessage): void {
  const f = st.takeFault('getupdates', DUPLICATE_FAULTS);
  if (f) enqueue(st, bot, redelivered(st, m, f.kind === 'duplicate' ? 'same-id' : f.kind === 'duplicate-new-id' ? 'new-id' : 'no-id'));
  const mode = st.opts.duplicates;
  if (mode !== 'off') st.later(st.opts.duplicateDelayMs, () => st.alive(bot) && enqueue(st, bot, redelivered(st, m, mode)));
}

/** Hand the ready messages out (consumed under server-ack from here on) and answer, after the link's latency. */
async function answer(c: IlinkCtx, bot: Bot, cursor: string): Promise<void> {
  const { msgs, next } = take(c.st, bot, cursor);
  const base = c.st.opts.fullUrl === 'on' ? cdnBase(c) : undefined;
  const body = { ret: 0, msgs: msgs.map((m) => wireMessage(m, base)), get_updates_buf: next, longpolling_timeout_ms: c.st.opts.longPollTimeoutMs };
  const latency = c.st.opts.updatesLatencyMs;
  // On the wire meanwhile: a client that hangs up now never reads them, and the server does not know.
  if (latency > 0) await new Promise<void>((resolve) => c.st.later(latency, resolve));
  sendWire(c, body);
}

/** `POST ilink/bot/getupdates` (§4.1, §9.14–18). */
export async function getUpdates(c: IlinkCtx): Promise<void> {
  const st = c.st;
  const bot = authenticate(c);
  if (!bot) return;
  const cursor = str(c.body?.get_updates_buf) ?? str(c.body?.sync_buf) ?? '';
  bot.lastPollAt = st.now();
  const end = bot.inboxBase + bot.inbox.length;
  const from = st.opts.cursorMode === 'server-ack' ? bot.handedOut : (decodeCursor(cursor, bot.id) ?? bot.acked);
  const ready = from < end;
  if (ready || st.opts.pollHoldMs === 0 || st.closed) return answer(c, bot, cursor);
  if (bot.held.length > 0 && st.opts.concurrentPoll !== 'both-held') for (const h of bot.held.splice(0)) h.wake('superseded');
  const reason = await new Promise<Parameters<HeldPoll['wake']>[0] | 'timeout'>((resolve) => {
    const poll: HeldPoll = {
      wake: (r) => {
        st.cancel(timer);
        resolve(r);
      },
    };
    const timer = st.later(st.opts.pollHoldMs, () => {
      bot.held = bot.held.filter((h) => h !== poll);
      resolve('timeout');
    });
    bot.held.push(poll);
    c.koa.res.once('close', () => {
      // The client gave up (its own timeout): forget the poll so no message is handed to a dead socket.
      if (!c.koa.res.writableFinished) {
        bot.held = bot.held.filter((h) => h !== poll);
        st.cancel(timer);
        resolve('close');
      }
    });
  });
  if (reason === 'close' && !c.koa.res.writable) return;
  if (reason === 'stale' || (reason === 'superseded' && st.opts.concurrentPoll === 'older-gets--14')) return sendStale(c);
  if (reason === 'superseded') {
    sendWire(c, { ret: 0, msgs: [], get_updates_buf: cursor, longpolling_timeout_ms: st.opts.longPollTimeoutMs });
    return;
  }
  await answer(c, bot, cursor);
}
