import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Recall } from '../../../src/transport/model.js';
import { firstFriend, inject, rig, until, type Rig } from './helpers.js';

describe('integration: recall carries the original message', () => {
  let r: Rig;
  const recalls: Recall[] = [];
  before(async () => {
    r = await rig({ contacts: 8, rooms: 1, roomSize: 5 });
    r.t.on('recall', (x) => recalls.push(x));
  });
  after(async () => r?.close());

  it('a friend recalls a text: the original is the message delivered before', async () => {
    const friend = await firstFriend(r);
    const m = await inject(r, { from: friend.nickname, text: 'I should not have said that' });
    await r.sb.control.sendMessage({ from: friend.nickname, type: 'recall', msgId: m.id });
    await until(() => recalls.length === 1, 5000, 'recall');
    const x = recalls[0]!;
    assert.equal(x.messageId, m.id);
    assert.equal(x.bySelf, false);
    assert.deepEqual(x.original, m);
    assert.equal(x.original?.text, 'I should not have said that');
  });

  it('a group member recalls an image: original found, in the room', async () => {
    const st = await r.sb.control.state(true);
    const sbRoom = st.accounts[0]!.rooms[0]!;
    const member = sbRoom.members.find((x) => x.nickname !== st.accounts[0]!.nickname)!;
    const m = await inject(r, { from: member.nickname, room: sbRoom.topic, type: 'image' });
    await r.sb.control.sendMessage({ from: member.nickname, room: sbRoom.topic, type: 'recall', msgId: m.id });
    await until(() => recalls.length === 2, 5000, 'group recall');
    assert.equal(recalls[1]!.original?.id, m.id);
    assert.equal(recalls[1]!.original?.type, 'image');
    assert.equal(recalls[1]!.original?.roomId, m.roomId);
  });

  it('our own revoke: the recall of the echo has the echo as original', async () => {
    const friend = await firstFriend(r, 1);
    const sent = await r.t.sendText(friend.id, 'typo');
    await until(() => r.messages.some((m) => m.id === sent.id), 5000, 'echo');
    await r.t.revoke(sent);
    await until(() => recalls.length === 3, 5000, 'own recall');
    const x = recalls[2]!;
    assert.equal(x.bySelf, true);
    assert.equal(x.messageId, sent.id);
    assert.equal(x.original?.text, 'typo');
    assert.equal(x.original?.isSelf, true);
  });

  it('a recall of a message this session never saw has no original', async () => {
    const friend = await firstFriend(r);
    await r.sb.control.sendMessage({ from: friend.nickname, type: 'recall', msgId: '1234567890123456789' });
    await until(() => recalls.length === 4, 5000, 'unknown recall');
    assert.equal(recalls[3]!.messageId, '1234567890123456789');
    assert.equal(recalls[3]!.original, undefined);
    assert.ok(!('original' in recalls[3]!), 'no original key at all');
  });
});
