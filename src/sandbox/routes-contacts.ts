/**
 * Contact and group operations (protocol.md §8, §15 #39–#43): friend requests, remark/pin,
 * creating groups and changing them, each answered in the real shapes and reflected in the next
 * webwxsync as ModContactList / DelContactList plus the matching 10000 texts.
 */
import type { RawJson } from '../protocol/raw-types.js';
import { authenticate, baseResponse, readJson, sendJson, type WxCtx } from './http.js';
import { randDigits } from './ids.js';
import { befriend, emitPerson, emitRoom, systemText } from './phone-events.js';
import { rateLimited } from './rate.js';
import { texts } from './texts.js';
import { memberEntry, personContact, roomContact } from './wire.js';
import { displayNameIn, type Room } from './world.js';

/** `POST webwxverifyuser` (§8.1). */
export async function verifyUser(c: WxCtx): Promise<void> {
  const body = await readJson(c);
  const a = authenticate(c, body?.BaseRequest);
  if (!a.ok) return sendJson(c, { BaseResponse: baseResponse(a.code) });
  const s = a.s;
  if (rateLimited(c, s, 'verifyuser')) return sendJson(c, { BaseResponse: baseResponse(1205) });
  const op = Number(body?.Opcode);
  const item: RawJson = Array.isArray(body?.VerifyUserList) ? body.VerifyUserList[0] : undefined;
  const id = typeof item?.Value === 'string' ? s.resolve(item.Value) : undefined;
  const p = id ? s.account.people.get(id) : undefined;
  if (!p) return sendJson(c, { BaseResponse: baseResponse(-1) });
  if (op === 3) {
    const ticket = String(item?.VerifyUserTicket ?? '');
    const t = c.st.friendTickets.get(ticket);
    if (!t || t.person !== p.id || t.account !== s.account.id) return sendJson(c, { BaseResponse: baseResponse(-1) });
    c.st.friendTickets.delete(ticket);
    befriend(c.st, s.account, p, true);
  } else if (op === 2) {
    if (p.kind === 'friend') return sendJson(c, { BaseResponse: baseResponse(0) });
    c.st.record({
      account: s.account.id,
      dir: 'out',
      chat: p.id,
      chatName: p.nick,
      from: s.account.id,
      fromName: s.account.nick,
      type: 'friend-request',
      text: String(body?.VerifyContent ?? ''),
      msgId: '',
    });
  } else if (op === 1) {
    if (p.kind !== 'official') return sendJson(c, { BaseResponse: baseResponse(-1) });
    befriend(c.st, s.account, p, true);
  } else if (op === 4) {
    for (const [k, t] of c.st.friendTickets) if (t.person === p.id) c.st.friendTickets.delete(k);
  } else return sendJson(c, { BaseResponse: baseResponse(1) });
  sendJson(c, { BaseResponse: baseResponse(0) });
}

/** `POST webwxoplog`: CmdId 2 remark, CmdId 3 pin (overwrites the remark with what was sent). */
export async function oplog(c: WxCtx): Promise<void> {
  const body = await readJson(c);
  const a = authenticate(c, body?.BaseRequest);
  if (!a.ok) return sendJson(c, { BaseResponse: baseResponse(a.code) });
  const s = a.s;
  if (rateLimited(c, s, 'oplog')) return sendJson(c, { BaseResponse: baseResponse(1205) });
  const id = typeof body?.UserName === 'string' ? s.resolve(body.UserName) : undefined;
  const p = id ? s.account.people.get(id) : undefined;
  if (!p || p.kind === 'stranger') return sendJson(c, { BaseResponse: baseResponse(-1) });
  const cmd = Number(body?.CmdId);
  if (cmd === 2) p.remark = String(body?.RemarkName ?? '');
  else if (cmd === 3) {
    p.contactFlag = Number(body?.OP) === 1 ? p.contactFlag | 2048 : p.contactFlag & ~2048;
    p.remark = typeof body?.RemarkName === 'string' ? body.RemarkName : '';
  } else return sendJson(c, { BaseResponse: baseResponse(1) });
  emitPerson(s, p);
  sendJson(c, { BaseResponse: baseResponse(0) });
}

function friendIds(c: WxCtx, names: string[]): string[] | null {
  const a = authenticate(c);
  if (!a.ok) return null;
  const out: string[] = [];
  for (const n of names) {
    const id = a.s.resolve(n.trim());
    const p = id ? a.s.account.people.get(id) : undefined;
    if (!p || p.kind !== 'friend') return null;
    out.push(p.id);
  }
  return out;
}

/** `POST webwxcreatechatroom` (§8.3). */
export async function createChatroom(c: WxCtx): Promise<void> {
  const body = await readJson(c);
  const a = authenticate(c, body?.BaseRequest);
  const failure = (ret: number): void =>
    sendJson(c, { BaseResponse: baseResponse(ret), Topic: '', PYInitial: '', QuanPin: '', MemberCount: 0, MemberList: [], ChatRoomName: '', BlackList: '' });
  if (!a.ok) return failure(a.code);
  const s = a.s;
  if (rateLimited(c, s, 'createchatroom')) return failure(1205);
  const names: string[] = Array.isArray(body?.MemberList) ? body.MemberList.map((m: RawJson) => String(m?.UserName ?? '')) : [];
  const ids = friendIds(c, names);
  if (!ids || ids.length < 2) return failure(-2);
  const room: Room = {
    id: `${1 + Math.floor(c.st.rand() * 8)}${randDigits(c.st.rand, 9)}@chatroom`,
    topic: typeof body?.Topic === 'string' ? body.Topic : '',
    owner: s.account.id,
    members: [{ id: s.account.id, displayName: '' }, ...ids.map((id) => ({ id, displayName: '' }))],
    saved: false,
    statues: 1,
    active: true,
  };
  s.account.rooms.set(room.id, room);
  s.invalidateNames();
  emitRoom(s, room);
  systemText(
    c.st,
    s,
    room.id,
    texts.youInvited(
      s.lang,
      ids.map((id) => displayNameIn(s.account, room, id)),
    ),
  );
  const list = room.members.map((m) => memberEntry(s, room, m));
  sendJson(c, {
    BaseResponse: baseResponse(0, 'Everything is OK'),
    Topic: room.topic,
    PYInitial: '',
    QuanPin: '',
    MemberCount: list.length,
    MemberList: list,
    ChatRoomName: s.userName(room.id),
    BlackList: '',
  });
}

/** `POST webwxupdatechatroom?fun=addmember|invitemember|delmember|modtopic|quitchatroom` (§8.4). */
export async function updateChatroom(c: WxCtx): Promise<void> {
  const body = await readJson(c);
  const a = authenticate(c, body?.BaseRequest);
  const answer = (ret: number, members: ReturnType<typeof memberEntry>[] = []): void =>
    sendJson(c, { BaseResponse: baseResponse(ret), MemberCount: members.length, MemberList: members });
  if (!a.ok) return answer(a.code);
  const s = a.s;
  const id = typeof body?.ChatRoomName === 'string' ? s.resolve(body.ChatRoomName) : undefined;
  const room = id ? s.account.rooms.get(id) : undefined;
  if (!room) return answer(c.st.opts.unknownTargetRet);
  if (!room.active) return answer(1201);
  if (rateLimited(c, s, 'updatechatroom')) return answer(1205);
  const fun = c.query.fun ?? '';
  const split = (v: unknown): string[] => (typeof v === 'string' ? v.split(',').filter(Boolean) : []);
  if (fun === 'addmember' || fun === 'invitemember') {
    const ids = friendIds(c, split(fun === 'addmember' ? body?.AddMemberList : body?.InviteMemberList));
    if (!ids || ids.length === 0) return answer(-1);
    if (fun === 'addmember' && c.st.opts.enforceInviteStart && room.members.length >= 40) return answer(-2);
    const added = ids.filter((x) => !room.members.some((m) => m.id === x));
    for (const x of added) room.members.push({ id: x, displayName: '' });
    emitRoom(s, room);
    if (added.length)
      systemText(
        c.st,
        s,
        room.id,
        texts.youInvited(
          s.lang,
          added.map((x) => displayNameIn(s.account, room, x)),
        ),
      );
    return answer(
      0,
      room.members.filter((m) => added.includes(m.id)).map((m) => memberEntry(s, room, m)),
    );
  }
  if (fun === 'delmember') {
    if (room.owner !== s.account.id) return answer(-2);
    const ids = split(body?.DelMemberList)
      .map((n) => s.resolve(n))
      .filter((x): x is string => x !== undefined && x !== s.account.id);
    const gone = room.members.filter((m) => ids.includes(m.id));
    if (gone.length === 0) return answer(-1);
    room.members = room.members.filter((m) => !ids.includes(m.id));
    emitRoom(s, room);
    for (const m of gone) systemText(c.st, s, room.id, texts.youRemoved(s.lang, displayNameIn(s.account, undefined, m.id)));
    return answer(0);
  }
  if (fun === 'modtopic') {
    const topic = typeof body?.NewTopic === 'string' ? body.NewTopic : '';
    if (!topic) return answer(1);
    room.topic = topic;
    emitRoom(s, room);
    systemText(c.st, s, room.id, texts.youRenamed(s.lang, topic));
    return answer(0);
  }
  if (fun === 'quitchatroom') {
    room.active = false;
    room.members = room.members.filter((m) => m.id !== s.account.id);
    s.enqueue({ kind: 'del', del: { UserName: s.userName(room.id), ContactFlag: 0 } });
    return answer(0);
  }
  answer(1);
}

/** `POST webwxsearchcontact` {KeyWord} → matching contacts. */
export async function searchContact(c: WxCtx): Promise<void> {
  const body = await readJson(c);
  const a = authenticate(c, body?.BaseRequest);
  if (!a.ok) return sendJson(c, { BaseResponse: baseResponse(a.code), List: [] });
  const kw = String(body?.KeyWord ?? '').toLowerCase();
  const list = [];
  if (kw) {
    for (const p of a.s.account.people.values())
      if (p.kind !== 'stranger' && (p.nick.toLowerCase().includes(kw) || p.remark.toLowerCase().includes(kw))) list.push(personContact(a.s, p));
    for (const r of a.s.account.rooms.values()) if (r.active && r.topic.toLowerCase().includes(kw)) list.push(roomContact(a.s, r, false));
  }
  sendJson(c, { BaseResponse: baseResponse(0), List: list.slice(0, 50) });
}

/** `POST webwxstatreport`: telemetry, accepted and ignored. */
export async function statReport(c: WxCtx): Promise<void> {
  await readJson(c);
  sendJson(c, { BaseResponse: baseResponse(0) });
}
