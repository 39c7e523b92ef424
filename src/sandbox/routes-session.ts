/**
 * Session endpoints (protocol.md §5): webwxinit, webwxstatusnotify, webwxgetcontact (paged by
 * Seq), webwxbatchgetcontact (≤50), the held synccheck and webwxsync with its key arithmetic.
 */
import type { RawContact, RawDelContact, RawJson } from '../protocol/raw-types.js';
import { escapeXmlPayload, synccheckBody } from './format.js';
import { authenticate, baseResponse, readJson, sendJs, sendJson, type WxCtx } from './http.js';
import { newMsgId, newSkey } from './ids.js';
import { rateLimited } from './rate.js';
import type { Session, SyncEvent } from './session.js';
import { addMsg, personContact, profile, roomContact, selfContact, selfUser, strangerContact, type WireAddMsg } from './wire.js';
import type { Person, Room } from './world.js';

const EMPTY_KEY = { Count: 0, List: [] };

/** The all-empty failure body of webwxinit (§5.1). */
function initFailure(ret: number): unknown {
  return {
    BaseResponse: baseResponse(ret),
    Count: 0,
    ContactList: [],
    SyncKey: EMPTY_KEY,
    User: {
      Uin: 0,
      UserName: '',
      NickName: '',
      HeadImgUrl: '',
      RemarkName: '',
      PYInitial: '',
      PYQuanPin: '',
      RemarkPYInitial: '',
      RemarkPYQuanPin: '',
      HideInputBarFlag: 0,
      StarFriend: 0,
      Sex: 0,
      Signature: '',
      AppAccountFlag: 0,
      VerifyFlag: 0,
      ContactFlag: 0,
      WebWxPluginSwitch: 0,
      HeadImgFlag: 0,
      SnsFlag: 0,
    },
    ChatSet: '',
    SKey: '',
    ClientVersion: 0,
    SystemTime: 0,
    GrayScale: 0,
    InviteStartCount: 0,
    MPSubscribeMsgCount: 0,
    MPSubscribeMsgList: [],
    ClickReportInterval: 0,
  };
}

/** A sync body with every section present and counts consistent (§5.6). */
export function syncBody(s: Session | null, ret: number, events: SyncEvent[], pos: number, more: boolean, withCheckKey = true): unknown {
  const add: WireAddMsg[] = [];
  const mod = new Map<string, RawContact>();
  const del: RawDelContact[] = [];
  let prof = profile();
  for (const e of events) {
    if (e.kind === 'msg' || e.kind === 'enter') add.push(e.msg);
    else if (e.kind === 'contact') mod.set(e.contact.UserName, e.contact);
    else if (e.kind === 'del') {
      mod.delete(e.del.UserName);
      del.push(e.del);
    } else prof = e.profile;
  }
  const mods = [...mod.values()];
  const body: Record<string, unknown> = {
    BaseResponse: baseResponse(ret),
    AddMsgCount: add.length,
    AddMsgList: add,
    ModContactCount: mods.length,
    ModContactList: mods,
    DelContactCount: del.length,
    DelContactList: del,
    ModChatRoomMemberCount: 0,
    ModChatRoomMemberList: [],
    Profile: prof,
    ContinueFlag: more ? 1 : 0,
    SyncKey: s && ret === 0 ? s.syncKeyAt(pos) : EMPTY_KEY,
  };
  if (withCheckKey) body.SyncCheckKey = s && ret === 0 ? s.checkKeyAt(pos) : EMPTY_KEY;
  body.SKey = '';
  return body;
}

function recentPeople(s: Session, n: number): Person[] {
  const out: Person[] = [];
  for (const p of s.account.people.values()) {
    if (p.kind === 'friend' && out.length < n) out.push(p);
  }
  return out;
}

function activeRooms(s: Session): Room[] {
  return [...s.account.rooms.values()].filter((r) => r.active);
}

/** `POST webwxinit` (§5.1, §15 #15–#16). */
export async function webwxinit(c: WxCtx): Promise<void> {
  const body = await readJson(c);
  const a = authenticate(c, body?.BaseRequest);
  if (!a.ok) return sendJson(c, initFailure(a.code));
  const s = a.s;
  s.inited = true;
  c.st.logins.start(s, c.st.now());
  const acct = s.account;
  const fh = acct.people.get('filehelper');
  const officials = [...acct.people.values()].filter((p) => p.kind === 'official').slice(0, 3);
  const people = recentPeople(s, 5);
  const rooms = activeRooms(s).slice(0, 4);
  const list: RawContact[] = [
    ...(fh ? [personContact(s, fh)] : []),
    ...people.map((p) => personContact(s, p)),
    ...rooms.map((r) => roomContact(s, r, false)),
    ...officials.map((p) => personContact(s, p)),
    selfContact(s),
  ];
  const chatSet = ['filehelper', ...rooms.map((r) => s.userName(r.id)), ...people.map((p) => s.userName(p.id)), ...officials.map((p) => s.userName(p.id))]
    .map((x) => x + ',')
    .join('');
  const now = Math.floor(c.st.now() / 1000);
  sendJson(c, {
    BaseResponse: baseResponse(0),
    Count: list.length,
    ContactList: list,
    SyncKey: s.initSyncKey(),
    User: selfUser(s),
    ChatSet: chatSet,
    SKey: s.skey,
    ClientVersion: 385877285,
    SystemTime: now,
    GrayScale: 1,
    InviteStartCount: 40,
    MPSubscribeMsgCount: officials.length,
    MPSubscribeMsgList: officials.map((p, i) => ({
      UserName: s.userName(p.id),
      MPArticleCount: 1,
      MPArticleList: [
        {
          Title: `${p.nick} 今日推送 ${i + 1}`,
          Digest: '点击阅读全文',
          Cover: `https://mmbiz.qpic.cn/sandbox/${p.id}/0`,
          Url: `https://mp.weixin.qq.com/s?__biz=${p.id}&mid=${i + 1}`,
        },
      ],
      Time: now - 3600 * (i + 1),
      NickName: p.nick,
    })),
    ClickReportInterval: 600000,
  });
}

/** The 51/SYNC_CONV message: UserNames and stable ids index-aligned (§10.6). */
function syncConvMsg(s: Session, now: number, rand: () => number): WireAddMsg {
  const ids = ['filehelper', ...activeRooms(s).map((r) => r.id), ...recentPeople(s, 20).map((p) => p.id)];
  for (const p of s.account.people.values()) if (p.kind === 'official' && ids.length < 40) ids.push(p.id);
  const names = ids.map((id) => s.userName(id));
  const xml =
    `<msg>\n<op id='4'>\n<username>${ids.join(',')}</username>\n<unreadchatlist>\n` +
    ids
      .slice(0, 3)
      .map((id) => `<chat>\n<username>${id}</username>\n<lastreadtime>${now - 60}</lastreadtime>\n</chat>\n`)
      .join('') +
    `</unreadchatlist>\n<unreadfunctionlist>\n</unreadfunctionlist>\n</op>\n</msg>`;
  return addMsg({
    MsgId: newMsgId(rand),
    FromUserName: s.selfName,
    ToUserName: s.selfName,
    MsgType: 51,
    CreateTime: now,
    Content: escapeXmlPayload(xml).replace(/\n/g, '<br/>'),
    StatusNotifyCode: 4,
    StatusNotifyUserName: names.join(','),
    ImgStatus: 1,
  });
}

/** `POST webwxstatusnotify` (§5.2, §15 #17). */
export async function statusNotify(c: WxCtx): Promise<void> {
  const body = await readJson(c);
  const a = authenticate(c, body?.BaseRequest);
  if (!a.ok) return sendJson(c, { BaseResponse: baseResponse(a.code), MsgID: '' });
  const code = Number(body?.Code);
  if (code === 3) a.s.enqueue({ kind: 'msg', msg: syncConvMsg(a.s, Math.floor(c.st.now() / 1000), c.st.rand) });
  sendJson(c, { BaseResponse: baseResponse(0), MsgID: newMsgId(c.st.rand) });
}

/** Everything getcontact lists: friends, officials, filehelper and groups saved to contacts (§5.3). */
export function addressBook(s: Session): RawContact[] {
  const out: RawContact[] = [];
  for (const p of s.account.people.values()) if (p.kind !== 'stranger') out.push(personContact(s, p));
  for (const r of s.account.rooms.values()) if (r.active && r.saved) out.push(roomContact(s, r, false));
  return out;
}

/** `GET webwxgetcontact?seq=` (§5.3, §15 #18). */
export function getContact(c: WxCtx): void {
  const a = authenticate(c);
  if (!a.ok) return sendJson(c, { BaseResponse: baseResponse(a.code), MemberCount: 0, MemberList: [], Seq: 0 });
  const all = addressBook(a.s);
  const size = c.st.opts.contactPageSize;
  const start = Math.max(0, Number(c.query.seq ?? 0) || 0);
  const page = all.slice(start, start + size);
  const next = start + size < all.length ? start + size : 0;
  sendJson(c, { BaseResponse: baseResponse(0), MemberCount: page.length, MemberList: page, Seq: next });
}

/** `POST webwxbatchgetcontact` (§5.4, §15 #19). */
export async function batchGetContact(c: WxCtx): Promise<void> {
  const body = await readJson(c);
  const a = authenticate(c, body?.BaseRequest);
  if (!a.ok) return sendJson(c, { BaseResponse: baseResponse(a.code), Count: 0, ContactList: [] });
  const s = a.s;
  const list: RawJson[] = Array.isArray(body?.List) ? body.List : [];
  if (list.length > 50) return sendJson(c, { BaseResponse: baseResponse(1200, 'too many items'), Count: 0, ContactList: [] });
  if (rateLimited(c, s, 'batchgetcontact')) return sendJson(c, { BaseResponse: baseResponse(1205), Count: 0, ContactList: [] });
  const out: RawContact[] = [];
  for (const item of list) {
    const name = typeof item?.UserName === 'string' ? item.UserName : '';
    const id = s.resolve(name);
    if (!id) continue; // unknown names are simply absent
    if (id === s.account.id) {
      out.push(selfContact(s));
      continue;
    }
    const room = s.account.rooms.get(id);
    if (room) {
      if (room.active) out.push(roomContact(s, room, true));
      continue;
    }
    const p = s.account.people.get(id);
    if (!p) continue;
    out.push(p.kind === 'stranger' ? strangerContact(s, p) : personContact(s, p));
  }
  sendJson(c, { BaseResponse: baseResponse(0), Count: out.length, ContactList: out });
}

/** `GET synccheck` on the webpush host (§5.5, §15 #20–#23). */
export async function syncCheck(c: WxCtx): Promise<void> {
  const st = c.st;
  const a = authenticate(c, undefined, 1102);
  if (!a.ok) return sendJs(c, synccheckBody(a.code, 0));
  const s = a.s;
  if (c.host && c.host.role !== 'push') return sendJs(c, synccheckBody(1100, 0));
  if (c.query.sid && c.query.sid !== s.sid) return sendJs(c, synccheckBody(1100, 0));
  const key = s.checkSyncCheckKey(c.query.synckey ?? '');
  if (key === 'stale') return sendJs(c, synccheckBody(0, st.opts.staleSelector));
  const now = s.selectorAfter(key.pos);
  if (now !== 0 || st.closed) return sendJs(c, synccheckBody(0, now));
  st.counters.synccheckHeld += 1;
  const result = await new Promise<[number, number] | null>((resolve) => {
    let done = false;
    const finish = (v: [number, number] | null): void => {
      if (done) return;
      done = true;
      unpark();
      st.cancelTimer(timer);
      c.koa.res.off('close', onClose);
      st.counters.synccheckHeld -= 1;
      resolve(v);
    };
    const unpark = s.park((retcode, selector) => finish([retcode, selector === -1 ? s.selectorAfter(key.pos) : selector]));
    const onClose = (): void => finish(null);
    const timer = st.later(st.opts.holdMs, () => finish([s.dead ?? 0, 0]));
    c.koa.res.once('close', onClose);
  });
  if (!result) {
    c.koa.respond = false;
    return;
  }
  sendJs(c, synccheckBody(result[0], result[1]));
}

/** `POST webwxsync` (§5.6, §15 #24–#26). */
export async function webwxsync(c: WxCtx): Promise<void> {
  const body = await readJson(c);
  const a = authenticate(c, body?.BaseRequest);
  if (!a.ok) return sendJson(c, syncBody(null, a.code, [], 0, false, c.st.opts.syncCheckKey));
  const s = a.s;
  c.st.counters.syncs += 1;
  const given = s.positionOf(Array.isArray(body?.SyncKey?.List) ? body.SyncKey.List : undefined);
  const pos = given ?? 0;
  s.ack(pos);
  const pending = s.pendingAfter(pos);
  const batch = pending.slice(0, c.st.opts.syncBatch);
  const last = batch.length ? (batch[batch.length - 1] as SyncEvent).seq : pos;
  const out = syncBody(s, 0, batch, last, pending.length > batch.length, c.st.opts.syncCheckKey) as Record<string, unknown>;
  if (c.st.opts.rotateSkey) {
    s.oldSkeys.push(s.skey);
    if (s.oldSkeys.length > 4) s.oldSkeys.shift();
    s.skey = newSkey(c.st.rand);
    out.SKey = s.skey;
  }
  sendJson(c, out);
}
