/**
 * Builders for the raw JSON objects of protocol.md §10 (contacts, members, AddMsg, Profile) as
 * seen by one login: every id becomes that login's UserName and every name is escaped.
 */
import type { RawAddMsg, RawContact, RawMember, RawProfile, RawUser } from '../protocol/raw-types.js';
import { RawNumber, escapeName } from './format.js';
import type { Session } from './session.js';
import type { Person, Room, RoomMember } from './world.js';

/** AddMsg with NewMsgId as a raw 64-bit number (the wire type allows our RawNumber marker). */
export type WireAddMsg = Omit<RawAddMsg, 'NewMsgId'> & { NewMsgId: RawNumber };

function headUrl(s: Session, userName: string, seq: number, extra = ''): string {
  return `/cgi-bin/mmwebwx-bin/webwxgeticon?seq=${seq}&username=${userName}${extra}&skey=${s.skey}`;
}

function initials(p: string): string {
  return p.slice(0, 4).toUpperCase();
}

/** A person as a contact object (getcontact, batchgetcontact, init, ModContactList). */
export function personContact(s: Session, p: Person): RawContact {
  const un = s.userName(p.id);
  return {
    Uin: 0,
    UserName: un,
    NickName: escapeName(p.nick),
    HeadImgUrl: headUrl(s, un, p.headSeq),
    ContactFlag: p.contactFlag,
    MemberCount: 0,
    MemberList: [],
    RemarkName: escapeName(p.remark),
    HideInputBarFlag: 0,
    Sex: p.sex,
    Signature: escapeName(p.signature),
    VerifyFlag: p.verifyFlag,
    OwnerUin: 0,
    PYInitial: initials(p.pinyin),
    PYQuanPin: p.pinyin,
    RemarkPYInitial: p.remark ? initials(p.pinyin) : '',
    RemarkPYQuanPin: p.remark ? p.pinyin : '',
    StarFriend: 0,
    AppAccountFlag: 0,
    Statues: 0,
    AttrStatus: p.kind === 'official' ? 0 : 33656933,
    Province: p.province,
    City: p.city,
    Alias: p.alias,
    SnsFlag: p.kind === 'friend' ? 17 : 0,
    UniFriend: 0,
    DisplayName: '',
    ChatRoomId: 0,
    KeyWord: p.id.slice(0, 3),
    EncryChatRoomId: '',
    IsOwner: 0,
  };
}

/** One entry of a group's MemberList (§5.4). */
export function memberEntry(s: Session, room: Room, m: RoomMember): RawMember {
  const p = s.account.people.get(m.id);
  const nick = m.id === s.account.id ? s.account.nick : (p?.nick ?? m.id);
  const un = s.userName(m.id);
  return {
    Uin: 0,
    UserName: un,
    NickName: escapeName(nick),
    AttrStatus: 2147584103,
    PYInitial: '',
    PYQuanPin: '',
    RemarkPYInitial: '',
    RemarkPYQuanPin: '',
    MemberStatus: 0,
    DisplayName: escapeName(m.displayName),
    KeyWord: m.id.slice(0, 3),
    HeadImgUrl: headUrl(s, un, 0, `&chatroomid=${s.encryChatRoomId(room.id)}`),
  };
}

/** A group as a contact: `full` adds MemberList/OwnerUin/ChatRoomOwner (batchgetcontact, §5.4). */
export function roomContact(s: Session, room: Room, full: boolean): RawContact {
  const un = s.userName(room.id);
  const contact: RawContact = {
    Uin: 0,
    UserName: un,
    NickName: escapeName(room.topic),
    HeadImgUrl: `/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=0&username=${un}&skey=${s.skey}`,
    ContactFlag: room.saved ? 3 : 2,
    MemberCount: full ? room.members.length : 0,
    MemberList: full ? room.members.map((m) => memberEntry(s, room, m)) : [],
    RemarkName: '',
    HideInputBarFlag: 0,
    Sex: 0,
    Signature: '',
    VerifyFlag: 0,
    OwnerUin: full && room.owner === s.account.id ? s.account.uin : 0,
    PYInitial: '',
    PYQuanPin: '',
    RemarkPYInitial: '',
    RemarkPYQuanPin: '',
    StarFriend: 0,
    AppAccountFlag: 0,
    Statues: room.statues,
    AttrStatus: 0,
    Province: '',
    City: '',
    Alias: '',
    SnsFlag: 0,
    UniFriend: 0,
    DisplayName: '',
    ChatRoomId: 0,
    KeyWord: '',
    EncryChatRoomId: full ? s.encryChatRoomId(room.id) : '',
    IsOwner: room.owner === s.account.id ? 1 : 0,
  };
  if (full) contact.ChatRoomOwner = s.userName(room.owner);
  return contact;
}

/** A contact object for a group member who is not a friend (batchgetcontact with EncryChatRoomId). */
export function strangerContact(s: Session, p: Person): RawContact {
  return { ...personContact(s, p), ContactFlag: 0 };
}

/** Self as `User` in webwxinit. */
export function selfUser(s: Session): RawUser {
  const un = s.selfName;
  return {
    Uin: s.account.uin,
    UserName: un,
    NickName: escapeName(s.account.nick),
    HeadImgUrl: headUrl(s, un, 1_463_755_895),
    RemarkName: '',
    PYInitial: '',
    PYQuanPin: '',
    RemarkPYInitial: '',
    RemarkPYQuanPin: '',
    HideInputBarFlag: 0,
    StarFriend: 0,
    Sex: 1,
    Signature: '',
    AppAccountFlag: 0,
    VerifyFlag: 0,
    ContactFlag: 0,
    WebWxPluginSwitch: 0,
    HeadImgFlag: 1,
    SnsFlag: 17,
  };
}

/** Self as a contact entry (ContactFlag 7 as in the recorded init). */
export function selfContact(s: Session): RawContact {
  const u = selfUser(s);
  return {
    Uin: 0,
    UserName: u.UserName,
    NickName: u.NickName,
    HeadImgUrl: u.HeadImgUrl,
    ContactFlag: 7,
    MemberCount: 0,
    MemberList: [],
    RemarkName: '',
    HideInputBarFlag: 0,
    Sex: 1,
    Signature: '',
    VerifyFlag: 0,
    OwnerUin: 0,
    PYInitial: '',
    PYQuanPin: '',
    RemarkPYInitial: '',
    RemarkPYQuanPin: '',
    StarFriend: 0,
    AppAccountFlag: 0,
    Statues: 0,
    AttrStatus: 0,
    Province: '',
    City: '',
    Alias: s.account.alias,
    SnsFlag: 17,
    UniFriend: 0,
    DisplayName: '',
    ChatRoomId: 0,
    KeyWord: s.account.id.slice(0, 3),
    EncryChatRoomId: '',
    IsOwner: 0,
  };
}

/** A complete AddMsg with every field of §10.3 present (defaults for the rest). */
export function addMsg(
  fields: Partial<WireAddMsg> & { MsgId: string; FromUserName: string; ToUserName: string; MsgType: number; CreateTime: number },
): WireAddMsg {
  return {
    Content: '',
    Status: 3,
    ImgStatus: 1,
    VoiceLength: 0,
    PlayLength: 0,
    FileName: '',
    FileSize: '',
    MediaId: '',
    Url: '',
    AppMsgType: 0,
    StatusNotifyCode: 0,
    StatusNotifyUserName: '',
    RecommendInfo: {
      UserName: '',
      NickName: '',
      QQNum: 0,
      Province: '',
      City: '',
      Content: '',
      Signature: '',
      Alias: '',
      Scene: 0,
      VerifyFlag: 0,
      AttrStatus: 0,
      Sex: 0,
      Ticket: '',
      OpCode: 0,
    },
    ForwardFlag: 0,
    AppInfo: { AppID: '', Type: 0 },
    HasProductId: 0,
    Ticket: '',
    ImgHeight: 0,
    ImgWidth: 0,
    SubMsgType: 0,
    OriContent: '',
    EncryFileName: '',
    ...fields,
    NewMsgId: new RawNumber(fields.MsgId),
  };
}

/** Profile section of webwxsync: BitFlag 0 = unchanged, 190 = changed (§5.6). */
export function profile(changed?: { s: Session; nick: string }): RawProfile {
  return {
    BitFlag: changed ? 190 : 0,
    UserName: { Buff: changed ? changed.s.selfName : '' },
    NickName: { Buff: changed ? escapeName(changed.nick) : '' },
    BindUin: 0,
    BindEmail: { Buff: '' },
    BindMobile: { Buff: '' },
    Status: 0,
    Sex: 0,
    PersonalCard: 0,
    Alias: '',
    HeadImgUpdateFlag: 0,
    HeadImgUrl: '',
    Signature: '',
  };
}
