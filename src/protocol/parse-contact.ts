/**
 * Raw contacts (init / getcontact / batchgetcontact / ModContactList) → domain Contact and Room
 * (§10.1, §10.2). Pure functions.
 */
import type { Contact, ContactKind, Gender, Room, RoomMember } from '../transport/model.js';
import type { RawContact, RawMember } from './raw-types.js';
import { decodeText } from './text.js';
import { WebContact } from './web-contact.js';

/** Special accounts of the official client (§10.2). */
const SPECIAL = new Set([
  'weibo',
  'qqmail',
  'fmessage',
  'tmessage',
  'qmessage',
  'qqsync',
  'floatbottle',
  'lbsapp',
  'shakeapp',
  'medianote',
  'qqfriend',
  'readerapp',
  'blogapp',
  'facebookapp',
  'masssendapp',
  'meishiapp',
  'feedsapp',
  'voip',
  'blogappweixin',
  'weixin',
  'brandsessionholder',
  'weixinreminder',
  'wxid_novlwrv3lqwv11',
  'gh_22b87fa7cb3c',
  'officialaccounts',
  'notification_messages',
  'newsapp',
  'filehelper',
]);

const SPECIAL_NAMES: Record<string, string> = {
  weixin: '微信团队',
  filehelper: '文件传输助手',
  newsapp: '腾讯新闻',
  fmessage: '朋友推荐消息',
};

export const CONTACT_FLAG_CONTACT = 1;
export const CONTACT_FLAG_TOP = 2048;
export const CONTACT_FLAG_NOTIFY_CLOSE = 512;
export const VERIFY_FLAG_BIZ_BRAND = 8;

/** A group id: `@@…`, or `…@chatroom` as the official client also accepts. */
export function isRoomId(userName: string): boolean {
  return userName.startsWith('@@') || userName.endsWith('@chatroom');
}

/** Whether a plain name is one of the special accounts (`…@qqim` included). */
export function isSpecialAccount(userName: string): boolean {
  return SPECIAL.has(userName) || userName.endsWith('@qqim');
}

/** §10.2 classification. `filehelper` is "special" but remains a normal send target. */
export function contactKind(raw: Pick<RawContact, 'UserName' | 'VerifyFlag' | 'ContactFlag'>, selfId?: string): ContactKind {
  if (selfId !== undefined && raw.UserName === selfId) return 'self';
  if (isSpecialAccount(raw.UserName)) return 'special';
  if ((raw.VerifyFlag ?? 0) & VERIFY_FLAG_BIZ_BRAND) return 'official';
  if ((raw.ContactFlag ?? 0) & CONTACT_FLAG_CONTACT) return 'friend';
  return 'stranger';
}

export function genderOf(sex: number | undefined): Gender {
  return sex === 1 ? 'male' : sex === 2 ? 'female' : 'unknown';
}

function opt(v: string | undefined | null): string | undefined {
  if (!v) return undefined;
  const d = decodeText(v);
  return d === '' ? undefined : d;
}

/**
 * A person (or official/special account) from a raw contact.
 *
 * @example parseContact(raw, selfUserName).kind // 'friend'
 */
export function parseContact(raw: RawContact, selfId?: string, stableId?: string): Contact {
  const flag = raw.ContactFlag ?? 0;
  const c = new WebContact(
    {
      id: raw.UserName,
      name: decodeText(raw.NickName) || SPECIAL_NAMES[raw.UserName] || raw.UserName,
      kind: contactKind(raw, selfId),
      gender: genderOf(raw.Sex),
      starred: raw.StarFriend === 1,
      pinned: (flag & CONTACT_FLAG_TOP) !== 0,
      muted: (flag & CONTACT_FLAG_NOTIFY_CLOSE) !== 0,
    },
    raw.HeadImgUrl ? avatarPath(raw.HeadImgUrl) : undefined,
  );
  if (stableId) c.stableId = stableId;
  else if (!raw.UserName.startsWith('@')) c.stableId = raw.UserName;
  const remark = opt(raw.RemarkName);
  if (remark) c.remark = remark;
  if (raw.Alias) c.alias = raw.Alias;
  const sig = opt(raw.Signature);
  if (sig) c.signature = sig;
  if (raw.Province) c.province = raw.Province;
  if (raw.City) c.city = raw.City;
  return c;
}

/** A room member from a group's MemberList. */
export function parseMember(raw: RawMember): RoomMember {
  const id = raw.UserName;
  const name = decodeText(raw.NickName) || id;
  const dn = opt(raw.DisplayName);
  // One literal per shape: a field added afterwards lives in a separate backing store.
  return dn ? { id, name, displayName: dn } : { id, name };
}

/**
 * A room from a raw group contact. `previous` keeps members when this entry has none (init and
 * getcontact list groups with `MemberList: []`).
 */
export function parseRoom(raw: RawContact, selfId: string | undefined, stableId?: string, previous?: Room): Room {
  const members = raw.MemberList && raw.MemberList.length > 0 ? raw.MemberList.map(parseMember) : (previous?.members ?? []);
  const memberCount =
    raw.MemberList && raw.MemberList.length > 0 ? Math.max(raw.MemberCount ?? 0, members.length) : raw.MemberCount || previous?.memberCount || 0;
  const room: Room = {
    id: raw.UserName,
    topic: decodeText(raw.NickName) || previous?.topic || '',
    members,
    memberCount,
    isOwner: raw.IsOwner === 1 || (selfId !== undefined && raw.ChatRoomOwner === selfId),
    // Statues 1 = notifications on (§5.4). Only batchgetcontact entries (with members) carry a
    // meaningful value; init/getcontact rows keep what we knew.
    muted: raw.MemberList && raw.MemberList.length > 0 ? raw.Statues === 0 : (previous?.muted ?? false),
  };
  const sid = stableId ?? previous?.stableId;
  if (sid) room.stableId = sid;
  const owner = raw.ChatRoomOwner || previous?.ownerId;
  if (owner) room.ownerId = owner;
  if (raw.HeadImgUrl) room.avatar = avatarPath(raw.HeadImgUrl);
  const handle = raw.EncryChatRoomId || previous?.handle;
  if (handle) room.handle = handle;
  return room;
}

/** Query parameters of a HeadImgUrl that belong to the session, not to the picture. */
const SESSION_PARAMS = ['skey', 'pass_ticket', 'sid', 'uin', 'webwx_data_ticket'];

/**
 * A HeadImgUrl without the session's secrets (§5.3: it carries `skey`), so that what is kept in
 * the directory and shown by the API is no credential; downloads add the current skey again.
 *
 * @example
 *   avatarPath('/cgi-bin/mmwebwx-bin/webwxgeticon?seq=1&username=@a&skey=@crypt_x'); // '/cgi-bin/mmwebwx-bin/webwxgeticon?seq=1&username=%40a'
 */
export function avatarPath(headImgUrl: string): string {
  const plain = plainAvatarPath(headImgUrl);
  if (plain !== undefined) return plain;
  const relative = headImgUrl.startsWith('/');
  let u: URL;
  try {
    u = new URL(headImgUrl, 'https://wx.qq.com');
  } catch {
    return '';
  }
  for (const p of SESSION_PARAMS) u.searchParams.delete(p);
  return relative ? u.pathname + u.search : u.href;
}

/** A relative path of plain segments, then `name=value` pairs of characters the form encoding keeps (but `@`). */
const PLAIN_PATH = /^(?:\/[\w-]+)+(?:\?\w+=[\w@.-]*(?:&\w+=[\w@.-]*)*)?$/;

/**
 * `avatarPath` of a path whose every part URL and URLSearchParams would give back as it is (but `@`,
 * encoded), read with string operations: every contact's and room's HeadImgUrl is read at each load
 * (a restart reads 500 an account), and URLSearchParams re-encodes the whole query at each parameter
 * it deletes. Undefined otherwise.
 */
function plainAvatarPath(headImgUrl: string): string | undefined {
  if (!PLAIN_PATH.test(headImgUrl)) return undefined;
  const q = headImgUrl.indexOf('?');
  if (q < 0) return headImgUrl;
  const kept = headImgUrl
    .slice(q + 1)
    .split('&')
    .filter((pair) => !SESSION_PARAMS.includes(pair.slice(0, pair.indexOf('='))));
  const path = headImgUrl.slice(0, q);
  return kept.length === 0 ? path : `${path}?${kept.join('&').replaceAll('@', '%40')}`;
}

/** Whether a room entry still needs a batchgetcontact for its members. */
export function roomNeedsMembers(room: Room | undefined): boolean {
  return !room || room.members.length === 0;
}
