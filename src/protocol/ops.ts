/**
 * Contact and group operations (§8): verifyuser (accept/add), oplog (remark/pin), create room,
 * add/invite (invite at ≥ InviteStartCount), remove, rename, quit, mark read.
 */
import { TransportError } from '../transport/errors.js';
import type { FriendRequest, Room } from '../transport/model.js';
import type { SessionCore } from './core.js';
import { fetchContacts, batchItems } from './contact-fetcher.js';
import { isRoomId } from './parse-contact.js';
import type { RawBaseResponse, RawCreateChatroomResponse, RawUpdateChatroomResponse } from './raw-types.js';

type Base = { BaseResponse: RawBaseResponse };

async function verifyUser(core: SessionCore, opcode: 2 | 3, userName: string, ticket: string, content: string): Promise<void> {
  const api = core.api;
  const url = api.url('web', 'webwxverifyuser', { r: core.clock.now(), lang: api.opts.lang, pass_ticket: api.state.passTicket });
  await api.json<Base>('webwxverifyuser', 'POST', url, {
    BaseRequest: api.baseRequest(),
    Opcode: opcode,
    VerifyUserListSize: 1,
    VerifyUserList: [{ Value: userName, VerifyUserTicket: ticket }],
    VerifyContent: content,
    SceneListCount: 1,
    SceneList: [33],
    skey: api.state.skey,
  });
}

export function acceptFriend(core: SessionCore, req: FriendRequest): Promise<void> {
  if (!req.contactId || !req.ticket) throw new TransportError('invalid', 'acceptFriend: the request has no user or ticket');
  return verifyUser(core, 3, req.contactId, req.ticket, '');
}

export function addFriend(core: SessionCore, id: string, greeting: string): Promise<void> {
  return verifyUser(core, 2, id, '', greeting);
}

async function oplog(core: SessionCore, body: Record<string, unknown>): Promise<void> {
  const api = core.api;
  await api.json<Base>('webwxoplog', 'POST', api.url('web', 'webwxoplog', { lang: api.opts.lang, pass_ticket: api.state.passTicket }), {
    BaseRequest: api.baseRequest(),
    ...body,
  });
}

export async function setRemark(core: SessionCore, id: string, remark: string): Promise<void> {
  await oplog(core, { CmdId: 2, UserName: id, RemarkName: remark });
  // Read after the call: a sync may have replaced the entry meanwhile.
  const c = core.book.contacts.get(id);
  if (c) {
    if (remark) c.remark = remark;
    else delete c.remark;
  }
}

/** CmdId 3 must carry the current remark or it is wiped (§8.2). */
export async function setPinned(core: SessionCore, id: string, pinned: boolean): Promise<void> {
  await oplog(core, { CmdId: 3, OP: pinned ? 1 : 0, UserName: id, RemarkName: core.book.contacts.get(id)?.remark ?? '' });
  const c = core.book.contacts.get(id);
  if (c) c.pinned = pinned;
}

export async function createRoom(core: SessionCore, memberIds: string[], topic = ''): Promise<Room> {
  if (memberIds.length < 2) throw new TransportError('invalid', 'createRoom needs at least two other members');
  const api = core.api;
  const url = api.url('web', 'webwxcreatechatroom', { r: core.clock.now(), lang: api.opts.lang, pass_ticket: api.state.passTicket });
  // -2013 is an odd partial success the official client accepts (§8.3).
  const r = await api.json<RawCreateChatroomResponse>(
    'webwxcreatechatroom',
    'POST',
    url,
    {
      BaseRequest: api.baseRequest(),
      MemberCount: memberIds.length,
      MemberList: memberIds.map((UserName) => ({ UserName })),
      Topic: topic,
    },
    { okCodes: [-2013] },
  );
  if (!r.ChatRoomName) throw new TransportError('server', 'webwxcreatechatroom: no ChatRoomName in the answer');
  await fetchContacts(core, batchItems([r.ChatRoomName]));
  const room = core.book.rooms.get(r.ChatRoomName);
  if (room) return room;
  // Not fetchable yet: build it from the answer.
  const upserted = core.book.upsert({
    UserName: r.ChatRoomName,
    NickName: r.Topic ?? topic,
    MemberList: r.MemberList ?? [],
    MemberCount: r.MemberCount ?? 0,
  } as unknown as Parameters<typeof core.book.upsert>[0]);
  if (upserted?.kind === 'room') return upserted.room;
  throw new TransportError('server', 'webwxcreatechatroom: room not readable');
}

async function updateRoom(core: SessionCore, fun: string, roomId: string, extra: Record<string, string>): Promise<RawUpdateChatroomResponse> {
  if (!isRoomId(roomId)) throw new TransportError('invalid', `${fun}: ${roomId} is not a room`);
  const api = core.api;
  const url = api.url('web', 'webwxupdatechatroom', { fun, lang: api.opts.lang, pass_ticket: api.state.passTicket });
  return api.json<RawUpdateChatroomResponse>(`webwxupdatechatroom ${fun}`, 'POST', url, { BaseRequest: api.baseRequest(), ChatRoomName: roomId, ...extra });
}

/** addmember below InviteStartCount members, invitemember at or above it (§8.4). */
export async function addMembers(core: SessionCore, roomId: string, memberIds: string[]): Promise<void> {
  if (memberIds.length === 0) return;
  const room = core.book.rooms.get(roomId);
  const count = room ? Math.max(room.memberCount, room.members.length) : 0;
  const invite = count + memberIds.length >= (core.api.state.inviteStartCount || 40);
  if (invite) await updateRoom(core, 'invitemember', roomId, { InviteMemberList: memberIds.join(',') });
  else await updateRoom(core, 'addmember', roomId, { AddMemberList: memberIds.join(',') });
}

export async function removeMembers(core: SessionCore, roomId: string, memberIds: string[]): Promise<void> {
  if (memberIds.length === 0) return;
  await updateRoom(core, 'delmember', roomId, { DelMemberList: memberIds.join(',') });
}

export async function setTopic(core: SessionCore, roomId: string, topic: string): Promise<void> {
  await updateRoom(core, 'modtopic', roomId, { NewTopic: topic });
  const room = core.book.rooms.get(roomId);
  if (room) room.topic = topic;
}

export async function quitRoom(core: SessionCore, roomId: string): Promise<void> {
  await updateRoom(core, 'quitchatroom', roomId, {});
}

/** statusnotify Code 1 (READED) for a chat. */
export async function markRead(core: SessionCore, chatId: string): Promise<void> {
  await core.api.statusNotify(1, chatId, core.clientIds.next());
}
