import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSystemText, type SystemFact } from '../../src/protocol/parse-system.js';

describe('parseSystemText(text)', () => {
  const cases: [string, SystemFact | undefined][] = [
    ['You invited Alice to the group chat.   ', { kind: 'room-join', names: ['Alice'], via: 'invite', bySelf: true }],
    ['Bob invited Carol、Dave to the group chat', { kind: 'room-join', names: ['Carol', 'Dave'], inviterName: 'Bob', via: 'invite', bySelf: false }],
    ['"Bob" invited "Carol" to the group chat', { kind: 'room-join', names: ['Carol'], inviterName: 'Bob', via: 'invite', bySelf: false }],
    ['你邀请"小明"加入了群聊  ', { kind: 'room-join', names: ['小明'], via: 'invite', bySelf: true }],
    ['"小红"邀请"小明、小刚"加入了群聊', { kind: 'room-join', names: ['小明', '小刚'], inviterName: '小红', via: 'invite', bySelf: false }],
    ['"Eve" joined group chat via the QR code you shared.  ', { kind: 'room-join', names: ['Eve'], via: 'qrcode', bySelf: true }],
    ['"Eve" joined the group chat via the QR Code shared by "Bob".', { kind: 'room-join', names: ['Eve'], inviterName: 'Bob', via: 'qrcode', bySelf: false }],
    ['"小明"通过扫描你分享的二维码加入群聊  ', { kind: 'room-join', names: ['小明'], via: 'qrcode', bySelf: true }],
    ['" 小明"通过扫描"小红"分享的二维码加入群聊', { kind: 'room-join', names: ['小明'], inviterName: '小红', via: 'qrcode', bySelf: false }],
    ['You removed "Alice" from the group chat', { kind: 'room-leave', names: ['Alice'], self: false }],
    ['你将"小明"移出了群聊', { kind: 'room-leave', names: ['小明'], self: false }],
    ['You were removed from the group chat by "Bob"', { kind: 'room-leave', names: [], removerName: 'Bob', self: true }],
    ['你被"小红"移出群聊', { kind: 'room-leave', names: [], removerName: '小红', self: true }],
    ['"Bob" changed the group name to "Team A"', { kind: 'room-topic', topic: 'Team A', changerName: 'Bob', bySelf: false }],
    ['"小红"修改群名为“周末爬山”', { kind: 'room-topic', topic: '周末爬山', changerName: '小红', bySelf: false }],
    ['你修改群名为“家”', { kind: 'room-topic', topic: '家', changerName: '你', bySelf: true }],
    ['You have added Zed as your WeChat contact. Start chatting!', { kind: 'friend-added', name: 'Zed', bySelf: true }],
    ['你已添加了小明，现在可以开始聊天了。', { kind: 'friend-added', name: '小明', bySelf: true }],
    ['Zed just added you to his/her contacts list. Send a message to him/her now!', { kind: 'friend-added', name: 'Zed', bySelf: false }],
    ['小明刚刚把你添加到通讯录，现在可以开始聊天了。', { kind: 'friend-added', name: '小明', bySelf: false }],
    [
      '"小红"邀请"小明"加入了群聊  <a href="weixin://revoke">撤销</a>',
      { kind: 'room-join', names: ['小明'], inviterName: '小红', via: 'invite', bySelf: false },
    ],
    ['收到红包，请在手机上查看', undefined],
    ['', undefined],
  ];
  for (const [text, want] of cases) it(JSON.stringify(text), () => assert.deepEqual(parseSystemText(text), want));
});
