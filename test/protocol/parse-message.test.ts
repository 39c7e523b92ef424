import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { extractMentions, mentionsAny, parseAddMsg, senderPrefix, type ParseContext } from '../../src/protocol/parse-message.js';
import { parseWireJson } from '../../src/protocol/wire-json.js';
import { addMsg } from '../../src/sandbox/wire.js';
import { wireJson } from '../../src/sandbox/format.js';
import type { RawAddMsg, RawSyncResponse } from '../../src/protocol/raw-types.js';

const SELF = '@self';
const ROOM = '@@room';
const ctx: ParseContext = {
  selfId: SELF,
  selfNamesIn: () => ['Bot Name', 'bot'],
  nameOf: (id) => ({ '@alice': 'Alice', '@bob': 'Bob' })[id],
};

/** A message as the sandbox puts it on the wire (every field of §10.3), read as the client reads its sync answer. */
function msg(over: Partial<RawAddMsg>): RawAddMsg {
  const wire = addMsg({ MsgId: '4442356190966618405', FromUserName: '@alice', ToUserName: SELF, MsgType: 1, CreateTime: 1700000000 });
  return { ...parseWireJson<RawAddMsg>(wireJson(wire)), ...over };
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

describe('parseAddMsg(raw, ctx): message kinds', () => {
  const cases: [string, Partial<RawAddMsg>, Record<string, unknown>][] = [
    [
      'text with br, entities, emoji',
      { Content: 'a<br/>&lt;b&gt;<span class="emoji emoji1f604"></span>' },
      { type: 'text', text: 'a\n<b>😄', chatId: '@alice', senderId: '@alice', isSelf: false, senderName: 'Alice' },
    ],
    ['own text echo', { FromUserName: SELF, ToUserName: '@alice', Content: 'hi' }, { type: 'text', chatId: '@alice', senderId: SELF, isSelf: true }],
    [
      'image',
      { MsgType: 3, Content: esc('<msg><img aeskey="x" /></msg>'), ImgWidth: 100, ImgHeight: 50, MediaId: '@crypt_1' },
      { type: 'image', media: { mediaId: '@crypt_1', width: 100, height: 50 } },
    ],
    ['voice', { MsgType: 34, VoiceLength: 3200 }, { type: 'voice', media: { durationMs: 3200, mimeType: 'audio/mpeg' } }],
    [
      'video',
      { MsgType: 43, PlayLength: 7, ImgWidth: 640, ImgHeight: 360 },
      { type: 'video', media: { width: 640, height: 360, durationMs: 7000, mimeType: 'video/mp4' } },
    ],
    ['micro video', { MsgType: 62, PlayLength: 2 }, { type: 'video', media: { durationMs: 2000, mimeType: 'video/mp4' } }],
    [
      'emoticon',
      { MsgType: 47, Content: esc('<msg><emoji fromusername="a" md5="0123456789abcdef0123456789abcdef" width="120" height="120" type="2"></emoji></msg>') },
      { type: 'emoticon', media: { md5: '0123456789abcdef0123456789abcdef', width: 120, height: 120, storeSticker: false } },
    ],
    [
      'store sticker',
      { MsgType: 47, HasProductId: 1, Content: esc('<msg><emoji md5="ab"></emoji></msg>') },
      { type: 'emoticon', media: { md5: 'ab', storeSticker: true } },
    ],
    [
      'file',
      {
        MsgType: 49,
        AppMsgType: 6,
        FileName: 'report.pdf',
        FileSize: '12345',
        MediaId: '@crypt_f',
        Content: esc(
          '<msg><appmsg appid="" sdkver="0"><title>report.pdf</title><type>6</type><appattach><totallen>12345</totallen><attachid>@crypt_f</attachid><fileext>pdf</fileext></appattach></appmsg></msg>',
        ),
      },
      { type: 'file', media: { fileName: 'report.pdf', mediaId: '@crypt_f', fileSize: 12345 } },
    ],
    [
      'link',
      {
        MsgType: 49,
        AppMsgType: 5,
        Url: 'https://e.com/a',
        Content: esc(
          '<msg><appmsg><title>News &amp; more</title><des>d</des><type>5</type><url>https://e.com/a</url></appmsg><appinfo><appname>App</appname></appinfo></msg>',
        ),
      },
      { type: 'link', link: { title: 'News & more', description: 'd', url: 'https://e.com/a', appType: 5, appName: 'App' } },
    ],
    [
      'music',
      { MsgType: 49, AppMsgType: 3, Content: esc('<msg><appmsg><title>Song</title><type>3</type><url>http://m</url></appmsg></msg>') },
      { type: 'music', text: '[music] Song' },
    ],
    ['mini program', { MsgType: 49, AppMsgType: 33, Content: esc('<msg><appmsg><title>Mini</title><type>33</type></appmsg></msg>') }, { type: 'mini-program' }],
    [
      'unknown app 57',
      { MsgType: 49, AppMsgType: 57, Content: esc('<msg><appmsg><title>quote</title><type>57</type></appmsg></msg>') },
      { type: 'unknown', text: '[app] quote' },
    ],
    ['red packet app', { MsgType: 49, AppMsgType: 2001, Content: esc('<msg><appmsg><title>红包</title></appmsg></msg>') }, { type: 'red-packet' }],
    ['red packet type 1', { MsgType: 1, AppMsgType: 2001 }, { type: 'red-packet' }],
    [
      'transfer',
      { MsgType: 49, AppMsgType: 2000, Content: esc('<msg><appmsg><title><![CDATA[微信转账]]></title></appmsg></msg>') },
      { type: 'transfer', link: { title: '微信转账', appType: 2000 } },
    ],
    [
      'location (1 + 48)',
      {
        MsgType: 1,
        SubMsgType: 48,
        Content: 'Beijing Station:<br/>/cgi-bin/mmwebwx-bin/webwxgetpubliclinkimg?url=xxx&msgid=1&pictype=location',
        Url: 'http://apis.map.qq.com/uri/v1/geocoder?coord=39.9,116.4',
        OriContent:
          '<?xml version="1.0"?>\n<msg>\n\t<location x="39.902" y="116.427" scale="16" label="Beijing Station" maptype="0" poiname="[位置]" poiid="" />\n</msg>\n',
      },
      { type: 'location', location: { label: 'Beijing Station', lat: 39.902, lng: 116.427, poi: '[位置]' } },
    ],
    [
      'contact card',
      {
        MsgType: 42,
        RecommendInfo: {
          UserName: '@c',
          NickName: 'Card Guy',
          QQNum: 0,
          Province: '',
          City: '',
          Content: '',
          Signature: '',
          Alias: 'cg',
          Scene: 17,
          VerifyFlag: 0,
          AttrStatus: 0,
          Sex: 1,
          Ticket: '',
          OpCode: 0,
        },
        Content: esc('<?xml version="1.0"?><msg username="v1_abc@stranger" nickname="Card Guy" />'),
      },
      { type: 'contact-card', card: { name: 'Card Guy', official: false, id: 'v1_abc@stranger', alias: 'cg' } },
    ],
    ['call', { MsgType: 50 }, { type: 'call' }],
    ['unknown type', { MsgType: 12345 }, { type: 'unknown' }],
    ['64-bit id kept', { MsgId: '179242112323992762', NewMsgId: '179242112323992762' }, { id: '179242112323992762' }],
  ];
  for (const [name, raw, want] of cases) {
    it(name, () => {
      const { message } = parseAddMsg(msg(raw), ctx);
      assert.ok(message, 'a message');
      for (const [k, v] of Object.entries(want)) assert.deepEqual((message as unknown as Record<string, unknown>)[k], v, k);
    });
  }
});

describe('parseAddMsg(raw, ctx): groups and mentions', () => {
  it('strips the sender prefix and detects a U+2005 mention', () => {
    const { message } = parseAddMsg(msg({ FromUserName: ROOM, ToUserName: SELF, Content: '@bob:<br/>@Bot Name\u2005hello @Carol\u2005' }), ctx);
    assert.equal(message?.roomId, ROOM);
    assert.equal(message?.chatId, ROOM);
    assert.equal(message?.senderId, '@bob');
    assert.equal(message?.senderName, 'Bob');
    assert.equal(message?.text, '@Bot Name\u2005hello @Carol\u2005');
    assert.equal(message?.mentionsSelf, true);
    assert.deepEqual(message?.mentions, ['Bot Name', 'Carol']);
  });
  it('space variant and mention at the end', () => {
    assert.equal(parseAddMsg(msg({ FromUserName: ROOM, Content: 'wxid_x-1:<br/>hi @bot' }), ctx).message?.mentionsSelf, true);
    assert.equal(parseAddMsg(msg({ FromUserName: ROOM, Content: '@bob:<br/>@bot hi' }), ctx).message?.mentionsSelf, true);
    assert.equal(parseAddMsg(msg({ FromUserName: ROOM, Content: '@bob:<br/>@botany hi' }), ctx).message?.mentionsSelf, false);
  });
  it('own group message has no prefix', () => {
    const { message } = parseAddMsg(msg({ FromUserName: SELF, ToUserName: ROOM, Content: 'a:<br/>b' }), ctx);
    assert.equal(message?.senderId, SELF);
    assert.equal(message?.text, 'a:\nb');
    assert.equal(message?.isSelf, true);
  });
  it('senderPrefix rejects non-id prefixes', () => {
    assert.equal(senderPrefix('hello world:<br/>x'), undefined);
    assert.deepEqual(senderPrefix('@abc:<br/>x'), { sender: '@abc', rest: 10 });
  });
  it('extractMentions / mentionsAny', () => {
    assert.deepEqual(extractMentions('@A B\u2005x @C\u2005'), ['A B', 'C']);
    assert.deepEqual(extractMentions('@A x @B'), ['A', 'B']);
    assert.equal(mentionsAny('hi @Me', ['Me']), true);
    assert.equal(mentionsAny('mail a@Me.com', ['Me']), false);
  });
});

describe('parseAddMsg(raw, ctx): events', () => {
  it('friend request 37', () => {
    const r = parseAddMsg(
      msg({
        MsgType: 37,
        FromUserName: 'fmessage',
        Content: esc('<msg fromusername="wxid_new" encryptusername="v1_x@stranger" fromnickname="Newbie" content="hi there" ticket="v2_t@stranger"/>'),
        RecommendInfo: {
          UserName: '@new',
          NickName: 'Newbie',
          QQNum: 0,
          Province: 'P',
          City: 'C',
          Content: 'hi there',
          Signature: '',
          Alias: '',
          Scene: 14,
          VerifyFlag: 0,
          AttrStatus: 0,
          Sex: 2,
          Ticket: 'v2_t@stranger',
          OpCode: 2,
        },
      }),
      ctx,
    );
    assert.equal(r.message, undefined);
    assert.equal(r.event?.kind, 'friend-request');
    if (r.event?.kind !== 'friend-request') return;
    assert.deepEqual(r.event.request, {
      contactId: '@new',
      name: 'Newbie',
      greeting: 'hi there',
      ticket: 'v2_t@stranger',
      gender: 'female',
      receivedAt: 1700000000000,
      stableId: 'wxid_new',
      scene: 14,
      province: 'P',
      city: 'C',
    });
  });
  it('recall 10002 with br and tabs between tags', () => {
    const content = esc(
      '<sysmsg type="revokemsg"><revokemsg><session>wxid_a</session><oldmsgid>1642051749</oldmsgid><msgid>8119924889549745209</msgid><replacemsg><![CDATA["Alice" 撤回了一条消息]]></replacemsg></revokemsg></sysmsg>',
    ).replace('&lt;revokemsg&gt;', '&lt;revokemsg&gt;<br/>\t');
    const r = parseAddMsg(msg({ MsgType: 10002, Content: content }), ctx);
    assert.deepEqual(r.event, {
      kind: 'recall',
      recall: { chatId: '@alice', messageId: '8119924889549745209', byId: '@alice', bySelf: false, notice: '"Alice" 撤回了一条消息', at: 1700000000000 },
    });
    assert.equal(r.message, undefined);
  });
  it('system 10000 in a room → message + fact', () => {
    const r = parseAddMsg(msg({ MsgType: 10000, FromUserName: ROOM, Content: '"Bob" changed the group name to "New"' }), ctx);
    assert.equal(r.message?.type, 'system');
    assert.equal(r.event?.kind, 'system');
    assert.deepEqual(r.event, {
      kind: 'system',
      roomId: ROOM,
      chatId: ROOM,
      fact: { kind: 'room-topic', topic: 'New', changerName: 'Bob', bySelf: false },
      at: 1700000000000,
    });
  });
  it('system 10000 "X just added you" in a private chat → friend-added fact with the chat', () => {
    const r = parseAddMsg(msg({ MsgType: 10000, Content: 'Zed just added you to his/her contacts list. Send a message to him/her now!' }), ctx);
    assert.deepEqual(r.event, { kind: 'system', chatId: '@alice', fact: { kind: 'friend-added', name: 'Zed', bySelf: false }, at: 1700000000000 });
  });
  it('status notify 51: code 2 chat-opened, 9999 ignored', () => {
    assert.deepEqual(parseAddMsg(msg({ MsgType: 51, FromUserName: SELF, StatusNotifyCode: 2, StatusNotifyUserName: '@alice' }), ctx), {
      event: { kind: 'status', code: 2, chatId: '@alice', userNames: [], stableIds: [] },
    });
    assert.deepEqual(parseAddMsg(msg({ MsgType: 9999 }), ctx), {});
  });
});

describe('recorded webwxsync.json', () => {
  const body = parseWireJson<RawSyncResponse>(readFileSync(new URL('../fixtures/recorded/webwxsync.json', import.meta.url), 'utf8'));
  it('NewMsgId keeps all 19 digits', () => assert.equal(body.AddMsgList[0]!.NewMsgId, '4442356190966618405'));
  it('SYNC_CONV maps 99 ids, and the self text is self', () => {
    const self = body.AddMsgList[0]!.FromUserName;
    const c: ParseContext = { ...ctx, selfId: self };
    const status = parseAddMsg(body.AddMsgList[0]!, c).event;
    assert.equal(status?.kind, 'status');
    if (status?.kind !== 'status') return;
    assert.equal(status.code, 4);
    assert.equal(status.userNames.length, 99);
    assert.equal(status.stableIds.length, 99);
    assert.equal(status.stableIds[1], 'filehelper');
    assert.equal(status.userNames[1], 'filehelper');
    const text = parseAddMsg(body.AddMsgList[1]!, c).message;
    assert.equal(text?.text, 'Hello World');
    assert.equal(text?.isSelf, true);
    assert.equal(text?.id, '6599448710267926107');
  });
});
