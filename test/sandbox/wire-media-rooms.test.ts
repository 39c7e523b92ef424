import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { RawClient, type WireJson } from './raw-client.js';

type Msg = {
  MsgId: string;
  MsgType: number;
  Content: string;
  FromUserName: string;
  ToUserName: string;
  MediaId: string;
  FileName: string;
  RecommendInfo: { UserName: string; Ticket: string };
  HasProductId: number;
};

const CHUNK = 524288;

async function upload(c: RawClient, bytes: Buffer, name: string, o: { ticket?: string; signature?: string; clientMediaId?: string } = {}): Promise<WireJson[]> {
  const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK));
  const req = JSON.stringify({
    UploadType: 2,
    BaseRequest: c.base(),
    ClientMediaId: o.clientMediaId ?? String(Date.now()),
    TotalLen: bytes.length,
    StartPos: 0,
    DataLen: bytes.length,
    MediaType: 4,
    FromUserName: c.user,
    ToUserName: 'filehelper',
    ...(o.signature ? { Signature: o.signature } : {}),
  });
  const out: WireJson[] = [];
  for (let i = 0; i < chunks; i++) {
    const form = new FormData();
    form.set('id', 'WU_FILE_0');
    form.set('name', name);
    form.set('type', 'application/octet-stream');
    form.set('lastModifiedDate', new Date().toString());
    form.set('size', String(bytes.length));
    if (chunks > 1) {
      form.set('chunks', String(chunks));
      form.set('chunk', String(i));
    }
    form.set('mediatype', name.endsWith('.png') ? 'pic' : 'doc');
    form.set('uploadmediarequest', req);
    form.set('webwx_data_ticket', o.ticket ?? (c.cookies.get('webwx_data_ticket') as string));
    form.set('pass_ticket', decodeURIComponent(c.passTicket));
    form.set('filename', new Blob([bytes.subarray(i * CHUNK, (i + 1) * CHUNK)]), name);
    out.push((await c.request(c.hosts().file, '/cgi-bin/mmwebwx-bin/webwxuploadmedia?f=json', { method: 'POST', raw: form })).json());
  }
  return out;
}

describe('sandbox media, uploads, rooms and friends (wire format)', () => {
  let sb: RunningSandbox;
  let c: RawClient;
  before(async () => {
    sb = await startSandbox({ holdMs: 200, contacts: 10, rooms: 2, roomSize: 5, bigFileBytes: 2 * 1024 * 1024 });
    c = new RawClient(sb.origin);
    await c.login(sb.control);
  });
  after(async () => {
    await sb.close();
  });

  it('uploads in 512 KiB chunks grouped by ClientMediaId; only the last chunk gets the MediaId; file sends echo and download', async () => {
    const bytes = Buffer.alloc(CHUNK * 2 + 1000, 7);
    const answers = await upload(c, bytes, 'report.bin');
    assert.equal(answers.length, 3);
    assert.equal(answers[0]!.MediaId, '');
    assert.equal(answers[1]!.MediaId, '');
    const mediaId = answers[2]!.MediaId as string;
    assert.match(mediaId, /^@crypt_/);
    assert.equal(answers[2]!.EncryFileName, 'report%2Ebin');
    const wrong = await upload(c, Buffer.from('x'), 'a.txt', { ticket: 'nope' });
    assert.equal(wrong[0]!.BaseResponse.Ret, -1);
    const content = `<appmsg appid='wxeb7ec651dd0aefa9' sdkver=''><title>report.bin</title><des></des><action></action><type>6</type><content></content><url></url><lowurl></lowurl><appattach><totallen>${bytes.length}</totallen><attachid>${mediaId}</attachid><fileext>bin</fileext></appattach><extinfo></extinfo></appmsg>`;
    const id = String(Date.now());
    const sent = (
      await c.post('webwxsendappmsg?fun=async&f=json', {
        Msg: { Type: 6, Content: content, FromUserName: c.user, ToUserName: 'filehelper', LocalID: id, ClientMsgId: id },
        Scene: 0,
      })
    ).json();
    assert.equal(sent.BaseResponse.Ret, 0);
    const bad = (
      await c.post('webwxsendappmsg?fun=async&f=json', {
        Msg: { Type: 6, Content: content.replace(mediaId, '@crypt_missing'), FromUserName: c.user, ToUserName: 'filehelper', LocalID: id, ClientMsgId: id },
        Scene: 0,
      })
    ).json();
    assert.notEqual(bad.BaseResponse.Ret, 0);
    const s = await c.sync();
    const echo = (s.AddMsgList as Msg[]).find((m) => m.MsgId === sent.MsgID)!;
    assert.equal(echo.MsgType, 49);
    const dl = await c.request(
      c.hosts().file,
      `/cgi-bin/mmwebwx-bin/webwxgetmedia?sender=${c.user}&mediaid=${encodeURIComponent(mediaId)}&filename=report.bin&fromuser=${c.uin}&pass_ticket=${c.passTicket}&webwx_data_ticket=${encodeURIComponent(c.cookies.get('webwx_data_ticket') as string)}`,
    );
    assert.equal(dl.text.length, bytes.length);
    assert.match(dl.headers.get('content-disposition') ?? '', /report\.bin/);
    const sentList = await sb.control.sent();
    assert.ok(sentList.messages.some((m) => m.type === 'file' && m.fileName === 'report.bin'));
  });

  it('files over the big-file limit need a webwxcheckupload Signature (FileType 7)', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024 + 10, 1);
    const refused = await upload(c, big, 'big.bin');
    assert.equal(refused[refused.length - 1]!.BaseResponse.Ret, -1);
    const md5 = createHash('md5').update(big).digest('hex');
    const noType = (
      await c.post('webwxcheckupload', { FromUserName: c.user, ToUserName: 'filehelper', FileSize: big.length, FileMd5: md5, FileName: 'big.bin', FileType: 1 })
    ).json();
    assert.notEqual(noType.BaseResponse.Ret, 0);
    const chk = (
      await c.post('webwxcheckupload', { FromUserName: c.user, ToUserName: 'filehelper', FileSize: big.length, FileMd5: md5, FileName: 'big.bin', FileType: 7 })
    ).json();
    assert.equal(chk.MediaId, '');
    const ok = await upload(c, big, 'big.bin', { signature: chk.Signature as string });
    assert.match(ok[ok.length - 1]!.MediaId as string, /^@crypt_/);
    const again = (
      await c.post('webwxcheckupload', { FromUserName: c.user, ToUserName: 'filehelper', FileSize: big.length, FileMd5: md5, FileName: 'big.bin', FileType: 7 })
    ).json();
    assert.equal(again.MediaId, ok[ok.length - 1]!.MediaId, 'instant upload returns the existing MediaId');
  });

  it('downloads: image slave/big, voice mp3, video needs Range (206), store stickers are empty, stale skey gives 0 bytes', async () => {
    const state = await sb.control.state();
    const friend = state.accounts[0]!.friends.find((f) => f.kind === 'friend')!;
    const img = await sb.control.sendMessage({ from: friend.id, type: 'image' });
    const voice = await sb.control.sendMessage({ from: friend.id, type: 'voice' });
    const video = await sb.control.sendMessage({ from: friend.id, type: 'video' });
    const sticker = await sb.control.sendMessage({ from: friend.id, type: 'emoticon', store: true });
    const skey = encodeURIComponent(c.skey);
    const get = (path: string, headers: Record<string, string> = {}) => c.request(c.webHost, `/cgi-bin/mmwebwx-bin/${path}`, { headers });
    const big = await get(`webwxgetmsgimg?MsgID=${img.msgId}&skey=${skey}&type=big`);
    assert.equal(big.headers.get('content-type'), 'image/png');
    const slave = await get(`webwxgetmsgimg?MsgID=${img.msgId}&skey=${skey}&type=slave`);
    assert.equal(slave.headers.get('content-type'), 'image/jpeg');
    assert.ok(Number(slave.headers.get('content-length')) > 0);
    const mp3 = await get(`webwxgetvoice?msgid=${voice.msgId}&skey=${skey}`);
    assert.equal(mp3.headers.get('content-type'), 'audio/mpeg');
    assert.ok(Number(mp3.headers.get('content-length')) > 0);
    const noRange = await get(`webwxgetvideo?msgid=${video.msgId}&skey=${skey}`);
    assert.equal(noRange.status, 200);
    assert.equal(noRange.headers.get('content-length'), '0');
    const ranged = await get(`webwxgetvideo?msgid=${video.msgId}&skey=${skey}`, { range: 'bytes=0-' });
    assert.equal(ranged.status, 206);
    assert.match(ranged.headers.get('content-range') ?? '', /^bytes 0-\d+\/\d+$/);
    const st = await get(`webwxgetmsgimg?MsgID=${sticker.msgId}&skey=${skey}&type=big`);
    assert.equal(st.headers.get('content-length'), '0');
    const stale = await get(`webwxgetmsgimg?MsgID=${img.msgId}&skey=@crypt_00000000_${'0'.repeat(32)}&type=big`);
    assert.equal(stale.status, 200);
    assert.equal(stale.headers.get('content-length'), '0');
    const s = await c.sync();
    const types = (s.AddMsgList as Msg[]).map((m) => m.MsgType);
    assert.deepEqual(types.slice(-4), [3, 34, 43, 47]);
    assert.equal((s.AddMsgList as Msg[])[(s.AddMsgList as Msg[]).length - 1]!.HasProductId, 1);
  });

  it('friend request → verifyuser with the ticket → ModContact + 10000 "你已添加了…"', async () => {
    await sb.control.friendRequest({ nickname: 'New <Friend>', greeting: 'hi there' });
    const s = await c.sync();
    const req = (s.AddMsgList as Msg[]).find((m) => m.MsgType === 37)!;
    assert.equal(req.FromUserName, 'fmessage');
    assert.match(req.RecommendInfo.Ticket, /^v2_[0-9a-f]+@stranger$/);
    assert.match(req.Content, /^&lt;msg fromusername=/);
    const bad = (
      await c.post('webwxverifyuser?r=1', {
        Opcode: 3,
        VerifyUserListSize: 1,
        VerifyUserList: [{ Value: req.RecommendInfo.UserName, VerifyUserTicket: 'v2_wrong@stranger' }],
        VerifyContent: '',
        SceneListCount: 1,
        SceneList: [33],
        skey: c.skey,
      })
    ).json();
    assert.equal(bad.BaseResponse.Ret, -1);
    const ok = (
      await c.post('webwxverifyuser?r=1', {
        Opcode: 3,
        VerifyUserListSize: 1,
        VerifyUserList: [{ Value: req.RecommendInfo.UserName, VerifyUserTicket: req.RecommendInfo.Ticket }],
        VerifyContent: '',
        SceneListCount: 1,
        SceneList: [33],
        skey: c.skey,
      })
    ).json();
    assert.equal(ok.BaseResponse.Ret, 0);
    const s2 = await c.sync();
    assert.equal((s2.ModContactList as { NickName: string; ContactFlag: number }[])[0]?.NickName, 'New &lt;Friend&gt;');
    assert.equal((s2.AddMsgList as Msg[]).find((m) => m.MsgType === 10000)?.Content, '你已添加了New &lt;Friend&gt;，现在可以开始聊天了。');
    assert.equal((await c.sendText(req.RecommendInfo.UserName, 'now friends')).BaseResponse.Ret, 0);
  });

  it('oplog remark and pin; createchatroom; updatechatroom add/del/modtopic/quit with texts and DelContactList', async () => {
    const book = (await c.request(c.webHost, `/cgi-bin/mmwebwx-bin/webwxgetcontact?seq=0&skey=${encodeURIComponent(c.skey)}`)).json();
    const friends = (book.MemberList as { UserName: string; VerifyFlag: number; ContactFlag: number }[]).filter(
      (x) => !x.UserName.startsWith('@@') && x.UserName.startsWith('@') && x.VerifyFlag === 0,
    );
    const [f1, f2, f3] = friends;
    assert.equal((await c.post('webwxoplog', { CmdId: 2, UserName: f1!.UserName, RemarkName: 'Boss' })).json().BaseResponse.Ret, 0);
    assert.equal((await c.post('webwxoplog', { CmdId: 3, OP: 1, UserName: f1!.UserName })).json().BaseResponse.Ret, 0);
    const s0 = await c.sync();
    const mod = (s0.ModContactList as { UserName: string; RemarkName: string; ContactFlag: number }[]).find((x) => x.UserName === f1!.UserName)!;
    assert.equal(mod.RemarkName, '', 'pin without RemarkName wipes the remark');
    assert.equal(mod.ContactFlag & 2048, 2048);
    const created = (
      await c.post('webwxcreatechatroom?r=1', { MemberCount: 2, MemberList: [{ UserName: f1!.UserName }, { UserName: f2!.UserName }], Topic: '' })
    ).json();
    assert.equal(created.BaseResponse.ErrMsg, 'Everything is OK');
    const room = created.ChatRoomName as string;
    assert.match(room, /^@@[0-9a-f]{64}$/);
    assert.equal(created.MemberCount, 3);
    const s1 = await c.sync();
    assert.ok((s1.ModContactList as { UserName: string }[]).some((x) => x.UserName === room));
    assert.match((s1.AddMsgList as Msg[]).find((m) => m.MsgType === 10000 && m.FromUserName === room)!.Content, /^你邀请&quot;.+&quot;加入了群聊 {2}$/);
    const add = (
      await c.request(c.webHost, '/cgi-bin/mmwebwx-bin/webwxupdatechatroom?fun=addmember', {
        body: { BaseRequest: c.base(), ChatRoomName: room, AddMemberList: f3!.UserName },
      })
    ).json();
    assert.equal(add.MemberCount, 1);
    const del = (
      await c.request(c.webHost, '/cgi-bin/mmwebwx-bin/webwxupdatechatroom?fun=delmember', {
        body: { BaseRequest: c.base(), ChatRoomName: room, DelMemberList: f3!.UserName },
      })
    ).json();
    assert.equal(del.BaseResponse.Ret, 0);
    const topic = (
      await c.request(c.webHost, '/cgi-bin/mmwebwx-bin/webwxupdatechatroom?fun=modtopic', {
        body: { BaseRequest: c.base(), ChatRoomName: room, NewTopic: 'Team' },
      })
    ).json();
    assert.equal(topic.BaseResponse.Ret, 0);
    const s2 = await c.sync();
    const texts = (s2.AddMsgList as Msg[]).filter((m) => m.MsgType === 10000).map((m) => m.Content);
    assert.equal(texts.length, 3);
    assert.match(texts[1]!, /^你将&quot;.+&quot;移出了群聊$/);
    assert.equal(texts[2], '你修改群名为“Team”');
    const quit = (
      await c.request(c.webHost, '/cgi-bin/mmwebwx-bin/webwxupdatechatroom?fun=quitchatroom', { body: { BaseRequest: c.base(), ChatRoomName: room } })
    ).json();
    assert.equal(quit.BaseResponse.Ret, 0);
    const s3 = await c.sync();
    assert.deepEqual(s3.DelContactList, [{ UserName: room, ContactFlag: 0 }]);
    assert.equal((await c.sendText(room, 'still there?')).BaseResponse.Ret, 1201);
  });
});
