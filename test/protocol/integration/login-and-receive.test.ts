import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWebTransport } from '../../../src/protocol/index.js';
import { startSandbox } from '../../../src/sandbox/index.js';
import type { FriendRequest, Recall, RoomJoin } from '../../../src/transport/model.js';
import { FAST, firstFriend, rig, until, type Rig } from './helpers.js';

describe('integration: login against the sandbox', () => {
  it('408 → 201 → 200 with manual scan and confirm', async () => {
    const sb = await startSandbox({ holdMs: 200, contacts: 10, rooms: 2, roomSize: 5 });
    const t = createWebTransport({ endpoint: sb.origin, ...FAST });
    try {
      const events: string[] = [];
      t.on('qr', () => events.push('qr'));
      t.on('scanned', (s) => events.push(`scanned:${s.avatar ? 'avatar' : 'none'}`));
      t.on('login', () => events.push('login'));
      t.on('ready', () => events.push('ready'));
      const started = t.start();
      await until(() => events.includes('qr'));
      await new Promise((r) => setTimeout(r, 450)); // at least one held poll answers 408
      await sb.control.scan();
      await until(() => events.some((e) => e.startsWith('scanned')));
      await new Promise((r) => setTimeout(r, 250));
      await sb.control.confirm();
      await started;
      assert.deepEqual(events, ['qr', 'scanned:avatar', 'login', 'ready']);
      assert.ok(t.contacts().length >= 10);
      assert.equal(t.rooms().length, 2);
      assert.ok(t.rooms().every((r) => r.members.length === 5));
    } finally {
      await t.stop();
      await sb.close();
    }
  });
});

describe('integration: every message kind is received once', () => {
  let r: Rig;
  after(async () => r?.close());

  it('text, image, voice, video, file, emoticon, link, location, card, group + mention, system, recall, friend request', async () => {
    r = await rig();
    const friend = await firstFriend(r);
    const st = await r.sb.control.state(true);
    const room = st.accounts[0]!.rooms[0]!;
    const member = room.members.find((m) => m.nickname !== st.accounts[0]!.nickname)!;
    const requests: FriendRequest[] = [];
    const recalls: Recall[] = [];
    const joins: RoomJoin[] = [];
    r.t.on('friend-request', (q) => requests.push(q));
    r.t.on('recall', (x) => recalls.push(x));
    r.t.on('room-join', (j) => joins.push(j));
    const kinds = ['text', 'image', 'voice', 'video', 'file', 'emoticon', 'link', 'location', 'card'] as const;
    const ids: Record<string, string> = {};
    for (const type of kinds) {
      const { msgId } = await r.sb.control.sendMessage({
        from: friend.nickname,
        type,
        text: `a ${type}`,
        fileName: 'doc.pdf',
        url: 'https://example.com',
        lat: 39.9,
        lng: 116.4,
        card: friend.nickname,
      });
      ids[type] = msgId;
    }
    const selfName = r.t.self!.name;
    const { msgId: groupId } = await r.sb.control.sendMessage({ from: member.nickname, room: room.topic, text: `@${selfName}\u2005hello group` });
    await until(() => r.messages.length >= kinds.length + 1, 10_000, 'all messages');
    for (const type of kinds) {
      const m = r.messages.find((x) => x.id === ids[type]);
      assert.ok(m, `${type} received`);
      const want = type === 'card' ? 'contact-card' : type;
      assert.equal(m.type, want, `${type} parsed as ${want}`);
      assert.equal(m.chatId, friend.id);
    }
    const g = r.messages.find((x) => x.id === groupId)!;
    assert.equal(g.roomId, r.t.rooms().find((x) => x.topic === room.topic)!.id);
    assert.equal(g.senderName, member.displayName || member.nickname);
    assert.equal(g.mentionsSelf, true);
    assert.equal(g.text, `@${selfName}\u2005hello group`);

    // Recall of the text.
    await r.sb.control.sendMessage({ from: friend.nickname, type: 'recall', msgId: ids.text! });
    await until(() => recalls.length === 1, 5000, 'recall');
    assert.equal(recalls[0]!.messageId, ids.text);
    // Friend request.
    await r.sb.control.friendRequest({ nickname: 'New Person', greeting: 'hi, add me' });
    await until(() => requests.length === 1, 5000, 'friend request');
    assert.equal(requests[0]!.greeting, 'hi, add me');
    assert.ok(requests[0]!.ticket);
    // Nothing twice.
    const seen = r.messages.map((m) => m.id);
    assert.equal(new Set(seen).size, seen.length);
    void joins;
  });
});
