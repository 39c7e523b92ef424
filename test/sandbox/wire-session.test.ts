import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { FakeClock } from '../../src/util/clock.js';
import { RawClient } from './raw-client.js';
import { waitUntil } from '../../src/testing/wait.js';

type Json = Record<string, unknown>;
type Msg = {
  MsgId: string;
  MsgType: number;
  Content: string;
  FromUserName: string;
  ToUserName: string;
  StatusNotifyCode: number;
  StatusNotifyUserName: string;
  [k: string]: unknown;
};

async function loggedIn(sb: RunningSandbox, account?: string): Promise<RawClient> {
  const c = new RawClient(sb.origin);
  await c.login(sb.control, account);
  return c;
}

describe('sandbox session endpoints (wire format)', () => {
  let sb: RunningSandbox;
  before(async () => {
    sb = await startSandbox({
      holdMs: 200,
      accounts: 3,
      contacts: 120,
      rooms: 4,
      roomSize: 8,
      contactPageSize: 50,
      syncBatch: 5,
      rateLimits: { send: { max: 40, perMs: 60_000 } },
    });
  });
  after(async () => {
    await sb.close();
  });

  it('webwxinit: full shape, JSON as text/plain with Connection: close, groups without members, ChatSet trailing comma', async () => {
    const c = await loggedIn(sb, '0');
    const r = await c.request(c.webHost, `/cgi-bin/mmwebwx-bin/webwxinit?r=-1&pass_ticket=${c.passTicket}`, {
      body: { BaseRequest: { ...c.base(), Uin: String(c.uin) } },
    });
    assert.equal(r.headers.get('content-type'), 'text/plain');
    assert.equal(r.headers.get('connection'), 'close');
    const j = r.json();
    for (const k of [
      'Count',
      'ContactList',
      'SyncKey',
      'User',
      'ChatSet',
      'SKey',
      'ClientVersion',
      'SystemTime',
      'GrayScale',
      'InviteStartCount',
      'MPSubscribeMsgCount',
      'MPSubscribeMsgList',
      'ClickReportInterval',
    ])
      assert.ok(k in j, k);
    assert.equal(j.InviteStartCount, 40);
    assert.deepEqual(
      (j.SyncKey as { List: { Key: number }[] }).List.map((k) => k.Key),
      [1, 2, 3, 1000],
    );
    assert.match(j.ChatSet as string, /^filehelper,.*,$/);
    const groups = (j.ContactList as { UserName: string; MemberCount: number; MemberList: unknown[] }[]).filter((x) => x.UserName.startsWith('@@'));
    assert.ok(groups.length > 0);
    for (const g of groups) {
      assert.match(g.UserName, /^@@[0-9a-f]{64}$/);
      assert.equal(g.MemberCount, 0);
    }
  });

  it('no cookies → init Ret 1100 with the all-empty body; synccheck 1102; wrong push host → 1100', async () => {
    const c = await loggedIn(sb, '1');
    const anon = new RawClient(sb.origin);
    const r = await anon.request(c.webHost, '/cgi-bin/mmwebwx-bin/webwxinit?r=1', { body: { BaseRequest: c.base() } });
    const j = r.json();
    assert.equal(j.BaseResponse.Ret, 1100);
    assert.equal((j.User as { UserName: string }).UserName, '');
    assert.equal((j.SyncKey as { Count: number }).Count, 0);
    anon.webHost = c.webHost;
    Object.assign(anon, { skey: c.skey, sid: c.sid, uin: c.uin });
    assert.equal(await anon.synccheck(c.checkKey), 'window.synccheck={retcode:"1102",selector:"0"}');
    const wrong = await c.request(
      'webpush.weixin.qq.com',
      `/cgi-bin/mmwebwx-bin/synccheck?sid=${encodeURIComponent(c.sid)}&synckey=${encodeURIComponent(c.checkKey)}`,
    );
    assert.equal(wrong.text, 'window.synccheck={retcode:"1100",selector:"0"}');
    const onWeb = await c.request(c.webHost, `/cgi-bin/mmwebwx-bin/synccheck?sid=${encodeURIComponent(c.sid)}&synckey=${encodeURIComponent(c.checkKey)}`);
    assert.equal(onWeb.text, 'window.synccheck={retcode:"1100",selector:"0"}');
  });

  it('statusnotify code 3 queues a 51/SYNC_CONV whose names and stable ids line up; sync drains it', async () => {
    const c = await loggedIn(sb, '2');
    const n = (await c.post('webwxstatusnotify', { Code: 3, FromUserName: c.user, ToUserName: c.user, ClientMsgId: Date.now() })).json();
    assert.match(n.MsgID as string, /^\d{19}$/);
    assert.equal(await c.synccheck(), 'window.synccheck={retcode:"0",selector:"2"}');
    const s = await c.sync();
    const m = (s.AddMsgList as Msg[])[0] as Msg;
    assert.equal(m.MsgType, 51);
    assert.equal(m.StatusNotifyCode, 4);
    const names = m.StatusNotifyUserName.split(',');
    const ids = (/&lt;username&gt;([^&]*)&lt;\/username&gt;/.exec(m.Content)?.[1] ?? '').split(',');
    assert.equal(names.length, ids.length);
    assert.equal(names[0], 'filehelper');
    assert.equal(ids[0], 'filehelper');
    assert.ok(ids.some((i) => i.endsWith('@chatroom')));
    assert.equal((s.SyncKey as { Count: number }).Count, 10);
    assert.equal((s.SyncCheckKey as { Count: number }).Count, 8);
    assert.equal(s.SKey, '');
    assert.equal(s.AddMsgCount, 1);
    assert.equal(await c.synccheck(), 'window.synccheck={retcode:"0",selector:"0"}');
  });

  it('a synccheck key built from SyncKey instead of SyncCheckKey loops on a non-zero selector', async () => {
    const c = await loggedIn(sb, '2');
    await c.sync();
    const fromSyncKey = c.syncKey.List.map((k) => `${k.Key}_${k.Val}`).join('|');
    for (let i = 0; i < 3; i++) assert.equal(await c.synccheck(fromSyncKey), 'window.synccheck={retcode:"0",selector:"2"}');
    assert.equal(await c.synccheck(), 'window.synccheck={retcode:"0",selector:"0"}');
  });

  it('getcontact pages by Seq and ends with Seq 0; batchgetcontact ≤50 returns full groups and member profiles', async () => {
    const c = await loggedIn(sb, '0');
    let seq = 0;
    let pages = 0;
    const all: { UserName: string; ContactFlag: number; MemberList: unknown[] }[] = [];
    do {
      const j = (
        await c.request(c.webHost, `/cgi-bin/mmwebwx-bin/webwxgetcontact?pass_ticket=${c.passTicket}&skey=${encodeURIComponent(c.skey)}&seq=${seq}&r=1`)
      ).json();
      all.push(...(j.MemberList as typeof all));
      assert.equal(j.MemberCount, (j.MemberList as unknown[]).length);
      seq = j.Seq as number;
      pages += 1;
    } while (seq !== 0);
    assert.ok(pages >= 3, `paged (${pages} pages)`);
    const state = await sb.control.state(true);
    const acct = state.accounts[0]!;
    const saved = all.filter((x) => x.UserName.startsWith('@@'));
    assert.ok(saved.length < acct.rooms.length || acct.rooms.length === 0 || saved.length <= acct.rooms.length);
    const init = await c.init();
    const groupNames = (init.ContactList as { UserName: string }[])
      .filter((x) => x.UserName.startsWith('@@'))
      .map((x) => ({ UserName: x.UserName, EncryChatRoomId: '' }));
    const big = (await c.post('webwxbatchgetcontact?type=ex&r=1', { Count: 51, List: Array.from({ length: 51 }, () => groupNames[0]) })).json();
    assert.notEqual(big.BaseResponse.Ret, 0);
    const b = (
      await c.post('webwxbatchgetcontact?type=ex&r=1', {
        Count: groupNames.length + 1,
        List: [...groupNames, { UserName: '@' + 'f'.repeat(32), EncryChatRoomId: '' }],
      })
    ).json();
    assert.equal(b.Count, groupNames.length, 'unknown names are omitted');
    const g = (
      b.ContactList as { MemberList: { UserName: string; DisplayName: string }[]; EncryChatRoomId: string; ChatRoomOwner: string; MemberCount: number }[]
    )[0]!;
    assert.equal(g.MemberCount, g.MemberList.length);
    assert.match(g.EncryChatRoomId, /^@[0-9a-f]{32}$/);
    assert.match(g.ChatRoomOwner, /^@/);
    const member = g.MemberList.find((m) => m.UserName !== c.user)!;
    const p = (
      await c.post('webwxbatchgetcontact?type=ex&r=1', { Count: 1, List: [{ UserName: member.UserName, EncryChatRoomId: g.EncryChatRoomId }] })
    ).json();
    assert.equal((p.ContactList as { UserName: string }[])[0]?.UserName, member.UserName);
  });

  it('messages: escaping, group prefix, 19-digit MsgId with raw NewMsgId, own echo with the same MsgId, ContinueFlag', async () => {
    const c = await loggedIn(sb, '1');
    const state = await sb.control.state();
    const acct = state.accounts[1]!;
    const friend = acct.friends.find((f) => f.kind === 'friend')!;
    const room = acct.rooms[0]!;
    const member = room.members.find((m) => m.id !== acct.id)!;
    await sb.control.sendMessage({ account: acct.id, from: friend.id, text: 'a<b>&"c"\n😄' });
    await sb.control.sendMessage({ account: acct.id, room: room.id, from: member.id, text: 'in group' });
    const r = await c.request(
      c.webHost,
      `/cgi-bin/mmwebwx-bin/webwxsync?sid=${encodeURIComponent(c.sid)}&skey=${encodeURIComponent(c.skey)}&pass_ticket=${c.passTicket}`,
      { body: { BaseRequest: c.base(), SyncKey: c.syncKey, rr: -1 } },
    );
    assert.match(r.text, /"NewMsgId": \d{19}[,\n]/, 'NewMsgId is a raw JSON number');
    const j = r.json();
    c.syncKey = j.SyncKey as typeof c.syncKey;
    const [m1, m2] = j.AddMsgList as Msg[];
    assert.equal(m1!.Content, 'a&lt;b&gt;&amp;&quot;c&quot;<br/><span class="emoji emoji1f604"></span>');
    assert.match(m1!.MsgId, /^\d{19}$/);
    assert.notEqual(String(m1!.NewMsgId), m1!.MsgId, 'NewMsgId loses precision in JSON.parse');
    assert.match(m2!.Content, /^@[0-9a-f]{32}:<br\/>in group$/);
    const sent = await c.sendText(m2!.FromUserName, 'reply in group');
    const again = await c.sync();
    const echo = (again.AddMsgList as Msg[]).find((x) => x.MsgId === sent.MsgID)!;
    assert.ok(echo, 'own message echoed with the MsgID the send returned');
    assert.equal(echo.FromUserName, c.user);
    assert.equal(echo.Content, 'reply in group');
    for (let i = 0; i < 7; i++) await sb.control.sendMessage({ account: acct.id, from: friend.id, text: `n${i}` });
    const first = await c.sync();
    assert.equal(first.ContinueFlag, 1);
    assert.equal(first.AddMsgCount, 5);
    const second = await c.sync();
    assert.equal(second.ContinueFlag, 0);
    assert.equal(second.AddMsgCount, 2);
    const sentList = await sb.control.sent({ account: acct.id });
    assert.ok(sentList.messages.some((m) => m.text === 'reply in group' && m.to === room.id && m.msgId === sent.MsgID));
  });

  it('send errors: 1204 to self and to strangers, unknown → -1, rate limit → 1205', async () => {
    const c = await loggedIn(sb, '0');
    assert.equal((await c.sendText(c.user, 'x')).BaseResponse.Ret, 1204);
    assert.equal((await c.sendText('@' + '0'.repeat(32), 'x')).BaseResponse.Ret, -1);
    const init = await c.init();
    const g = (init.ContactList as { UserName: string }[]).find((x) => x.UserName.startsWith('@@'))!;
    const room = (await c.post('webwxbatchgetcontact?type=ex', { Count: 1, List: [{ UserName: g.UserName, EncryChatRoomId: '' }] })).json();
    const state = await sb.control.state(true);
    const strangers = new Set(state.accounts[0]!.friends.map((f) => f.id));
    void strangers;
    const members = (room.ContactList as { MemberList: { UserName: string }[] }[])[0]!.MemberList;
    let saw1204 = false;
    for (const m of members) if (m.UserName !== c.user && (await c.sendText(m.UserName, 'dm')).BaseResponse.Ret === 1204) saw1204 = true;
    assert.ok(saw1204, 'a group member who is not a friend cannot be messaged');
    let ret = 0;
    for (let i = 0; i < 45 && ret === 0; i++) ret = (await c.sendText('filehelper', `burst ${i}`)).BaseResponse.Ret;
    assert.equal(ret, 1205);
  });

  it('revoke: Ret 0 with texts inside the window, -1 after; the echo gets a 10002', async () => {
    // The window is measured on the sandbox's clock, moved by hand: no real time passes between send and revoke.
    const clock = new FakeClock(Date.now());
    const own = await startSandbox({ holdMs: 200, contacts: 10, rooms: 1, roomSize: 3, revokeWindowMs: 120_000, clock });
    try {
      const c = await loggedIn(own);
      await c.sync();
      const sent = await c.sendText('filehelper', 'oops');
      await clock.advance(120_000);
      const ok = (await c.post('webwxrevokemsg', { SvrMsgId: sent.MsgID, ToUserName: 'filehelper', ClientMsgId: sent.LocalID })).json();
      assert.equal(ok.BaseResponse.Ret, 0);
      assert.equal(ok.SysWording, '已撤回');
      const s = await c.sync();
      const rv = (s.AddMsgList as Msg[]).find((m) => m.MsgType === 10002)!;
      assert.match(rv.Content, new RegExp(`&lt;msgid&gt;${sent.MsgID}&lt;/msgid&gt;`));
      const late = await c.sendText('filehelper', 'late');
      await clock.advance(120_001);
      const no = (await c.post('webwxrevokemsg', { SvrMsgId: late.MsgID, ToUserName: 'filehelper', ClientMsgId: late.LocalID })).json();
      assert.deepEqual(no, { BaseResponse: { Ret: -1, ErrMsg: '' }, Introduction: '', SysWording: '' });
    } finally {
      await own.close();
    }
  });

  it('phone events: open chat → selector 7; logout on phone → 1100; other login → 1101', async () => {
    // Its own sandbox with a hold far longer than the test: the logout must meet a synccheck that is still held.
    const own = await startSandbox({ holdMs: 600_000, contacts: 10, rooms: 1, roomSize: 3 });
    try {
      const c = await loggedIn(own);
      await c.sync();
      const state = await own.control.state();
      const acct = state.accounts[0]!;
      await own.control.phoneOpenChat({ account: acct.id, chat: acct.friends[1]!.id });
      assert.equal(await c.synccheck(), 'window.synccheck={retcode:"0",selector:"7"}');
      const s = await c.sync();
      assert.equal(((s.AddMsgList as Msg[])[0] as Msg).StatusNotifyCode, 2);
      const held = c.synccheck();
      await waitUntil(() => own.state.counters.synccheckHeld === 1, 10_000, 'the synccheck to be held');
      await own.control.phoneLogout({ account: acct.id });
      assert.equal(await held, 'window.synccheck={retcode:"1100",selector:"0"}');
      assert.equal((await c.sync()).BaseResponse.Ret, 1100);
      const d = await loggedIn(own);
      await own.control.otherDeviceLogin({ account: acct.id });
      assert.equal(await d.synccheck(), 'window.synccheck={retcode:"1101",selector:"0"}');
    } finally {
      await own.close();
    }
  });

  it('a new login kicks the previous session with 1101; webwxlogout ends the session', async () => {
    const a = await loggedIn(sb, '2');
    const b = await loggedIn(sb, '2');
    assert.equal((await a.sync()).BaseResponse.Ret, 1101);
    await b.request(b.webHost, `/cgi-bin/mmwebwx-bin/webwxlogout?redirect=1&type=0&skey=${encodeURIComponent(b.skey)}`, { method: 'POST' });
    assert.equal(await b.synccheck(), 'window.synccheck={retcode:"1100",selector:"0"}');
  });

  it('faults: http-500, garbage, ret-1205, reset and a logout fault', async () => {
    const c = await loggedIn(sb, '0');
    await sb.control.fault({ kind: 'http-500', endpoint: 'webwxsync' });
    const r = await c.request(c.webHost, '/cgi-bin/mmwebwx-bin/webwxsync', { body: { BaseRequest: c.base(), SyncKey: c.syncKey } });
    assert.equal(r.status, 500);
    await sb.control.fault({ kind: 'garbage', endpoint: 'synccheck' });
    assert.doesNotMatch(await c.synccheck(), /retcode/);
    await sb.control.fault({ kind: 'ret-1205', endpoint: 'webwxsendmsg' });
    assert.equal((await c.sendText('filehelper', 'x')).BaseResponse.Ret, 1205);
    await sb.control.fault({ kind: 'reset', endpoint: 'webwxinit' });
    await assert.rejects(c.init());
    assert.equal((await c.init()).BaseResponse.Ret, 0, 'faults are consumed');
    await sb.control.fault({ kind: 'logout-1102', account: 'wxid_sandbox0001' });
    assert.equal(await c.synccheck(), 'window.synccheck={retcode:"1102",selector:"0"}');
  });

  it('lang switch changes system texts (room rename in en_US and zh_CN)', async () => {
    const c = await loggedIn(sb, '0');
    await c.sync();
    const state = await sb.control.state();
    const acct = state.accounts[0]!;
    const room = acct.rooms[1]!;
    const by = room.members.find((m) => m.id !== acct.id)!;
    await c.request(c.webHost, `/cgi-bin/mmwebwx-bin/webwxsync?lang=en_US&sid=${encodeURIComponent(c.sid)}`, {
      body: { BaseRequest: c.base(), SyncKey: c.syncKey },
    });
    await sb.control.roomRename({ account: acct.id, room: room.id, topic: 'New Topic', by: by.id });
    const s = await c.sync();
    const sys = (s.AddMsgList as Msg[]).find((m) => m.MsgType === 10000)!;
    assert.match(sys.Content, /changed the group name to &quot;New Topic&quot;$/);
    assert.equal((s.ModContactList as { NickName: string }[])[0]?.NickName, 'New Topic');
    await c.sync();
    await sb.control.roomRename({ account: acct.id, room: room.id, topic: '新群名', by: by.id });
    const s2 = await c.sync();
    assert.match((s2.AddMsgList as Msg[]).find((m) => m.MsgType === 10000)!.Content, /修改群名为“新群名”$/);
  });
});

export type { Json };
