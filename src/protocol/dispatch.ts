/**
 * Applying a webwxsync answer (§11.2 order: SyncKey, SyncCheckKey, SKey, Profile, DelContactList,
 * ModContactList, AddMsgList) and turning its messages into events: unknown senders and groups
 * are batch-fetched first, messages are deduplicated by MsgId, own echoes are marked isSelf.
 */
import type { Message, RoomMember } from '../transport/model.js';
import { isRoomId, isSpecialAccount } from './parse-contact.js';
import { MSG, parseAddMsg, type MessageEvent, type ParseContext } from './parse-message.js';
import type { RawAddMsg, RawContact, RawSyncResponse } from './raw-types.js';
import { usableKey } from './session.js';
import type { RawMsgRef, SessionCore } from './core.js';
import { decodeText } from './text.js';
import { fetchContacts, batchItems } from './contact-fetcher.js';
import { asError } from '../util/error-text.js';

function parseContextOf(core: SessionCore): ParseContext {
  const book = core.book;
  return {
    selfId: book.selfId,
    selfNamesIn: (roomId) => book.selfNamesIn(roomId),
    nameOf: (id, roomId) => book.nameOf(id, roomId),
  };
}

/** The groups a sync answer's SYNC_CONV lists name (the recent chats, §10.6). */
export function syncConvRooms(r: RawSyncResponse): string[] {
  return (r.AddMsgList ?? []).flatMap((m) => (m ? syncConvRoomsOf(m) : []));
}

/** The groups one SYNC_CONV message names (none for any other message). */
function syncConvRoomsOf(m: RawAddMsg): string[] {
  if (m.MsgType !== MSG.STATUS_NOTIFY || m.StatusNotifyCode !== 4 || !m.StatusNotifyUserName) return [];
  return m.StatusNotifyUserName.split(',').filter(isRoomId);
}

/** Ids referenced by these messages that the book cannot resolve yet. */
function unknownIds(core: SessionCore, msgs: RawAddMsg[]): Set<string> {
  const book = core.book;
  const want = new Set<string>();
  for (const m of msgs) {
    if (m.MsgType === MSG.STATUS_NOTIFY) {
      for (const u of syncConvRoomsOf(m)) if (!book.rooms.get(u)?.members.length) want.add(u);
      continue;
    }
    const from = m.FromUserName;
    const to = m.ToUserName;
    const room = isRoomId(from) ? from : isRoomId(to) ? to : undefined;
    if (room) {
      const r = book.rooms.get(room);
      if (!r || r.members.length === 0) want.add(room);
      else if (from === room && m.Content) {
        // A sender who is not (yet) a member: the room's list is stale.
        const sep = m.Content.indexOf(':<br/>');
        if (sep > 0 && sep < 100) {
          const sender = m.Content.slice(0, sep);
          if (sender.startsWith('@') && sender !== book.selfId && !book.hasMember(room, sender)) want.add(room);
        }
      }
    } else if (from && from !== book.selfId && !book.contacts.has(from) && !isSpecialAccount(from) && from.startsWith('@')) {
      want.add(from);
    }
  }
  return want;
}

function rememberRaw(core: SessionCore, m: RawAddMsg): void {
  const ref: RawMsgRef = {
    MsgId: m.MsgId,
    FromUserName: m.FromUserName,
    ToUserName: m.ToUserName,
    MsgType: m.MsgType,
    AppMsgType: m.AppMsgType,
    MediaId: m.MediaId,
    FileName: m.FileName,
    HasProductId: m.HasProductId,
  };
  if (m.EncryFileName) ref.EncryFileName = m.EncryFileName;
  if (m.MsgType === MSG.APP || m.MsgType === MSG.EMOTICON) ref.Content = m.Content;
  if (m.OriContent) ref.OriContent = m.OriContent;
  core.rawMessages.set(String(m.MsgId), ref);
}

/**
 * Per-sync bookkeeping: members who dropped out of a room's list (ModContactList). Quiet leaves —
 * the server sends other members no text when someone leaves or is removed by someone else — are
 * only visible as this list change, so they become room-leave events after the sync's messages.
 */
interface SyncScratch {
  left: Map<string, RoomMember[]>;
}

/** A removal text and the list change it goes with are one leave, whichever sync brings which. */
const SAME_LEAVE_MS = 60_000;

function leaveReported(core: SessionCore, roomId: string, memberId: string): boolean {
  const at = core.leaves.get(`${roomId}|${memberId}`);
  return at !== undefined && core.clock.now() - at < SAME_LEAVE_MS;
}

function markLeft(core: SessionCore, roomId: string, memberIds: readonly string[]): void {
  const now = core.clock.now();
  for (const id of memberIds) core.leaves.set(`${roomId}|${id}`, now);
}

/** A member who (re)joined can leave again: forget the earlier leave. */
function forgetLeft(core: SessionCore, roomId: string, memberIds: readonly string[]): void {
  for (const id of memberIds) if (core.leaves.get(`${roomId}|${id}`) !== undefined) core.leaves.set(`${roomId}|${id}`, Number.NEGATIVE_INFINITY);
}

function emitQuietLeaves(core: SessionCore, scratch: SyncScratch): void {
  for (const [roomId, members] of scratch.left) {
    const quiet = members.filter((m) => m.id !== core.book.selfId && !leaveReported(core, roomId, m.id));
    if (quiet.length === 0 || !core.book.rooms.has(roomId)) continue;
    const memberIds = quiet.map((m) => m.id);
    markLeft(core, roomId, memberIds);
    core.events.emit('room-leave', { roomId, names: quiet.map((m) => m.displayName || m.name), memberIds, self: false, at: core.clock.now() });
  }
}

async function emitEvent(core: SessionCore, ev: MessageEvent, signal?: AbortSignal): Promise<void> {
  const { book, events } = core;
  switch (ev.kind) {
    case 'status':
      if (ev.code === 4) book.mapStableIds(ev.userNames, ev.stableIds);
      else if (ev.code === 2 && ev.chatId) events.emit('chat-opened', { chatId: ev.chatId });
      return;
    case 'friend-request':
      events.emit('friend-request', ev.request);
      return;
    case 'recall': {
      const original = core.recent.get(ev.recall.messageId);
      events.emit('recall', original ? { ...ev.recall, original } : ev.recall);
      return;
    }
    case 'system': {
      const f = ev.fact;
      if (f.kind === 'friend-added') {
        // The text is posted in the new friend's own chat, so the chat is the contact.
        const contactId = ev.chatId && !isRoomId(ev.chatId) && !isSpecialAccount(ev.chatId) ? ev.chatId : undefined;
        events.emit('friend-added', { ...(contactId ? { contactId } : {}), name: f.name, at: ev.at });
        return;
      }
      if (!ev.roomId) return;
      const roomId = ev.roomId;
      if (f.kind === 'room-topic') {
        // The room entry with the new name usually came first (ModContactList precedes AddMsgList).
        const room = book.rooms.get(roomId);
        const oldTopic = book.takePreviousTopic(roomId, f.topic) ?? (room?.topic && room.topic !== f.topic ? room.topic : undefined);
        events.emit('room-topic', {
          roomId,
          topic: f.topic,
          ...(oldTopic ? { oldTopic } : {}),
          changerName: f.bySelf ? book.selfName : f.changerName,
          at: ev.at,
        });
        if (room) room.topic = f.topic;
        return;
      }
      // Join/leave texts carry names: refresh the member list so they resolve to ids (§10.9).
      if (f.kind === 'room-join' && book.memberIdsByName(roomId, f.names).length < f.names.length) {
        await fetchContacts(core, batchItems([roomId]), signal).catch((err: unknown) => core.log.warn({ err }, 'room refresh failed'));
      }
      if (f.kind === 'room-join') {
        const memberIds = book.memberIdsByName(roomId, f.names);
        forgetLeft(core, roomId, memberIds);
        events.emit('room-join', {
          roomId,
          names: f.names,
          memberIds,
          ...(f.inviterName ? { inviterName: f.inviterName } : {}),
          via: f.via,
          bySelf: f.bySelf,
          at: ev.at,
        });
      } else {
        const memberIds = f.self ? [] : book.leftIdsByName(roomId, f.names);
        // Already reported from the list change of an earlier sync: same leave, same payload.
        if (memberIds.length > 0 && memberIds.length === f.names.length && memberIds.every((id) => leaveReported(core, roomId, id))) return;
        markLeft(core, roomId, memberIds);
        events.emit('room-leave', { roomId, names: f.names, memberIds, ...(f.removerName ? { removerName: f.removerName } : {}), self: f.self, at: ev.at });
      }
      return;
    }
  }
}

/**
 * Apply one webwxsync answer to the session and dispatch what it carries.
 * Returns how many new (non-duplicate) entries it held, for the empty-sync counter.
 */
export async function applySync(core: SessionCore, r: RawSyncResponse, signal?: AbortSignal): Promise<number> {
  const { api } = core;
  if (r.SKey) api.state.skey = r.SKey;
  const changes = await applyBody(core, r, signal);
  // Keys move on only after everything was dispatched: if this cycle is aborted half-way, the
  // next sync returns the same entries again and the MsgId dedupe drops those already delivered.
  if (usableKey(r.SyncKey)) api.state.syncKey = r.SyncKey;
  if (usableKey(r.SyncCheckKey)) api.state.syncCheckKey = r.SyncCheckKey;
  return changes;
}

async function applyBody(core: SessionCore, r: RawSyncResponse, signal?: AbortSignal): Promise<number> {
  const { api, book, events } = core;
  let changes = 0;

  if (r.Profile && r.Profile.BitFlag) {
    const self = api.state.self;
    const nick = r.Profile.NickName?.Buff;
    if (self && nick) {
      self.NickName = nick;
      book.selfName = decodeText(nick);
    }
    if (self && r.Profile.HeadImgUpdateFlag && r.Profile.HeadImgUrl) self.HeadImgUrl = r.Profile.HeadImgUrl;
    // RawUser is a subset of RawContact with the fields parseContact reads.
    const contact = self ? book.upsert(self as unknown as RawContact) : undefined;
    if (contact?.kind === 'contact') events.emit('self-update', contact.contact);
    changes++;
  }

  for (const d of r.DelContactList ?? []) {
    const kind = book.remove(d.UserName);
    changes++;
    if (kind === 'room') events.emit('room-delete', { id: d.UserName });
    else if (kind === 'contact') events.emit('contact-delete', { id: d.UserName });
  }
  const scratch: SyncScratch = { left: new Map() };
  for (const raw of r.ModContactList ?? []) {
    const change = book.upsert(raw);
    changes++;
    if (!change || !core.live) continue;
    if (change.kind === 'room') {
      if (change.left) scratch.left.set(change.room.id, [...(scratch.left.get(change.room.id) ?? []), ...change.left]);
      events.emit('room-update', change.room);
    } else events.emit('contact-update', change.contact);
  }

  changes += await dispatchMessages(core, r.AddMsgList ?? [], signal);
  emitQuietLeaves(core, scratch);
  return changes;
}

/** AddMsgList: dedupe, resolve unknown senders and groups, parse, emit. Returns new entries. */
async function dispatchMessages(core: SessionCore, list: RawAddMsg[], signal?: AbortSignal): Promise<number> {
  const { book, events } = core;
  let changes = 0;
  if (list.length === 0) return changes;
  // Drop what we already dispatched before doing any work for it.
  const fresh: RawAddMsg[] = [];
  for (const m of list) if (m && m.MsgId !== undefined && !core.seen.has(String(m.MsgId))) fresh.push(m);
  if (fresh.length === 0) return changes;

  // SYNC_CONV first: it maps stable ids and names the groups to fetch.
  for (const m of fresh) {
    if (m.MsgType === MSG.STATUS_NOTIFY && m.StatusNotifyCode === 4) {
      const parsed = parseAddMsg(m, parseContextOf(core));
      if (parsed.event?.kind === 'status') book.mapStableIds(parsed.event.userNames, parsed.event.stableIds);
    }
  }
  const unknown = unknownIds(core, fresh);
  if (unknown.size > 0) await fetchContacts(core, batchItems(unknown), signal);

  const ctx = parseContextOf(core);
  for (const m of fresh) {
    const id = String(m.MsgId);
    if (!core.seen.add(id)) continue;
    changes++;
    let parsed;
    try {
      parsed = parseAddMsg(m, ctx);
    } catch (err) {
      core.log.error({ err, msgType: m.MsgType }, 'message parser failed; message skipped');
      events.emit('error', asError(err));
      continue;
    }
    if (parsed.message) {
      const msg: Message = parsed.message;
      if (!msg.isSelf && core.sentIds.has(id)) msg.isSelf = true;
      if (msg.type !== 'text' && msg.type !== 'system') rememberRaw(core, m);
      if (msg.type !== 'system') core.recent.set(id, msg);
      events.emit('message', msg);
    }
    if (parsed.event) await emitEvent(core, parsed.event, signal);
  }
  return changes;
}
