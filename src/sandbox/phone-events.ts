/**
 * Changes to an account's world and what its web session sees of them (protocol.md §10.6, §10.9,
 * §15 #39–#46): ModContactList / DelContactList entries, 10000 system texts, 51 notices, Profile,
 * and session deaths. Used by the client-facing endpoints and by the control API alike.
 */
import { escapeContent, escapeXmlPayload } from './format.js';
import { newMsgId } from './ids.js';
import type { Session } from './session.js';
import { SandboxError, type SandboxState } from './state.js';
import { texts } from './texts.js';
import { addMsg, personContact, profile, roomContact } from './wire.js';
import { displayNameIn, findPerson, findRoom, makePerson, type Account, type Person, type Room } from './world.js';

/** A 10000 system text in a conversation (group or person). */
export function systemText(st: SandboxState, s: Session, chatId: string, text: string): void {
  s.enqueue({
    kind: 'msg',
    msg: addMsg({
      MsgId: newMsgId(st.rand),
      FromUserName: s.userName(chatId),
      ToUserName: s.selfName,
      MsgType: 10000,
      CreateTime: Math.floor(st.now() / 1000),
      Content: escapeContent(text),
      Status: 4,
    }),
  });
  st.record({ account: s.account.id, dir: 'event', chat: chatId, chatName: chatId, from: chatId, fromName: '', type: 'system', text, msgId: '' });
}

export function emitRoom(s: Session | undefined, room: Room): void {
  s?.enqueue({ kind: 'contact', contact: roomContact(s, room, true) });
}

export function emitPerson(s: Session | undefined, p: Person): void {
  s?.enqueue({ kind: 'contact', contact: personContact(s, p) });
}

/** The account becomes friends with a person (accepting a request, or a request accepted). */
export function befriend(st: SandboxState, account: Account, p: Person, acceptedByMe: boolean): void {
  p.kind = 'friend';
  p.contactFlag = 3;
  const s = st.sessionOf(account);
  if (!s) return;
  emitPerson(s, p);
  systemText(st, s, p.id, acceptedByMe ? texts.youAdded(s.lang, p.nick) : texts.addedYou(s.lang, p.nick));
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new SandboxError(404, `no ${what}`);
  return v;
}

function roomRef(account: Account, ref: string): Room {
  return need(findRoom(account, ref), `group ${ref}`);
}

function memberRef(account: Account, room: Room, ref: string): string {
  for (const m of room.members) {
    if (m.id === ref || m.displayName === ref) return m.id;
    const p = account.people.get(m.id);
    if (p && (p.nick === ref || p.remark === ref)) return m.id;
  }
  if (ref === 'self' || ref === account.nick) return account.id;
  throw new SandboxError(404, `${ref} is not a member of ${room.topic}`);
}

/** The phone opens a chat: 51 code 2 (ENTER_SESSION) → synccheck selector 7 (§15 #46). */
export function phoneOpenChat(st: SandboxState, account: Account, chat: string): void {
  const s = need(st.sessionOf(account), 'live session');
  const id: string = findRoom(account, chat)?.id ?? findPerson(account, chat)?.id ?? need<string>(undefined, `chat ${chat}`);
  const xml = `<msg>\n<op id='2'>\n<username>${id}</username>\n</op>\n</msg>`;
  s.enqueue({
    kind: 'enter',
    msg: addMsg({
      MsgId: newMsgId(st.rand),
      FromUserName: s.selfName,
      ToUserName: s.userName(id),
      MsgType: 51,
      CreateTime: Math.floor(st.now() / 1000),
      Content: escapeXmlPayload(xml).replace(/\n/g, '<br/>'),
      StatusNotifyCode: 2,
      StatusNotifyUserName: s.userName(id),
    }),
  });
}

/** The account renames itself on the phone: Profile BitFlag 190 (§15 #44). */
export function phoneRename(st: SandboxState, account: Account, nickname: string): void {
  if (!nickname) throw new SandboxError(400, 'nickname is required');
  account.nick = nickname;
  const s = st.sessionOf(account);
  s?.enqueue({ kind: 'profile', profile: profile({ s, nick: nickname }) });
}

/** A friend deletes the account: DelContactList (§15 #45). */
export function friendDeletes(st: SandboxState, account: Account, ref: string): void {
  const p = need(findPerson(account, ref), `contact ${ref}`);
  if (p.kind !== 'friend') throw new SandboxError(409, `${ref} is not a friend`);
  p.kind = 'stranger';
  p.contactFlag = 0;
  const s = st.sessionOf(account);
  s?.enqueue({ kind: 'del', del: { UserName: s.userName(p.id), ContactFlag: 0 } });
}

/** Someone joins a group (invited by a member, or via QR when `via` is 'qr'). */
export function roomJoin(st: SandboxState, account: Account, ref: string, o: { member?: string; by?: string; via?: 'invite' | 'qr' }): { id: string } {
  const room = roomRef(account, ref);
  let p = o.member ? findPerson(account, o.member) : undefined;
  if (!p) {
    p = makePerson(st.rand, 'stranger', undefined, o.member || undefined);
    account.people.set(p.id, p);
  }
  if (room.members.some((m) => m.id === (p as Person).id)) throw new SandboxError(409, `${p.nick} is already in ${room.topic}`);
  const byId = o.by ? memberRef(account, room, o.by) : room.owner;
  room.members.push({ id: p.id, displayName: '' });
  const s = st.sessionOf(account);
  if (s) {
    s.invalidateNames();
    emitRoom(s, room);
    const by = byId === account.id ? '' : displayNameIn(account, room, byId);
    const text =
      o.via === 'qr'
        ? texts.joinedByQr(s.lang, p.nick, by || account.nick)
        : byId === account.id
          ? texts.youInvited(s.lang, [p.nick])
          : texts.invited(s.lang, by, [p.nick]);
    systemText(st, s, room.id, text);
  }
  return { id: p.id };
}

/** A member leaves or is removed; removing the account itself ends its membership. */
export function roomLeave(st: SandboxState, account: Account, ref: string, member: string, by?: string): void {
  const room = roomRef(account, ref);
  const id = memberRef(account, room, member);
  const byId = by === '@owner' ? room.owner : by ? memberRef(account, room, by) : undefined;
  room.members = room.members.filter((m) => m.id !== id);
  const s = st.sessionOf(account);
  if (id === account.id) {
    room.active = false;
    if (s) {
      if (byId) systemText(st, s, room.id, texts.youWereRemoved(s.lang, displayNameIn(account, room, byId)));
      s.enqueue({ kind: 'del', del: { UserName: s.userName(room.id), ContactFlag: 0 } });
    }
    return;
  }
  if (!s) return;
  emitRoom(s, room);
  // Quiet leaves produce no text; removals by the account itself do (§10.9).
  if (byId === account.id) systemText(st, s, room.id, texts.youRemoved(s.lang, displayNameIn(account, room, id)));
}

/** A member renames the group. */
export function roomRename(st: SandboxState, account: Account, ref: string, topic: string, by?: string): void {
  if (!topic) throw new SandboxError(400, 'topic is required');
  const room = roomRef(account, ref);
  const byId = by ? memberRef(account, room, by) : room.owner;
  room.topic = topic;
  const s = st.sessionOf(account);
  if (!s) return;
  emitRoom(s, room);
  systemText(st, s, room.id, byId === account.id ? texts.youRenamed(s.lang, topic) : texts.renamed(s.lang, displayNameIn(account, room, byId), topic));
}
