import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { isTransportError } from '../../../src/transport/errors.js';
import type { FriendRequest } from '../../../src/transport/model.js';
import { firstFriend, rig, until, type Rig } from './helpers.js';

// A tiny valid GIF (1×1) and PNG header bytes are enough for the sandbox's upload checks.
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

describe('integration: sends round-trip and contact/room operations', () => {
  let r: Rig;
  before(async () => {
    r = await rig({ contacts: 40, rooms: 3, roomSize: 6 });
  });
  after(async () => r?.close());

  it('text, image, video, a 3 MB file in chunks, emoticon by md5 and GIF, forward — each echoed once as self', async () => {
    const friend = await firstFriend(r);
    const sent = [
      await r.t.sendText(friend.id, 'hello there'),
      await r.t.sendImage(friend.id, { name: 'p.png', data: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(2000, 1)]) }),
      await r.t.sendVideo(friend.id, { name: 'v.mp4', data: Buffer.alloc(700_000, 2) }),
      await r.t.sendFile(friend.id, { name: 'big.bin', data: Buffer.alloc(3 * 1024 * 1024, 3) }),
      await r.t.sendEmoticon(friend.id, { md5: '0123456789abcdef0123456789abcdef' }),
      await r.t.sendEmoticon(friend.id, { name: 'a.gif', data: GIF }),
    ];
    const out = await r.sb.control.sent();
    for (const s of sent)
      assert.ok(
        out.messages.some((m) => m.msgId === s.id),
        `sandbox saw ${s.id}`,
      );
    const file = out.messages.find((m) => m.msgId === sent[3]!.id)!;
    assert.equal(file.type, 'file');
    // Echoes come back through webwxsync as our own messages, once each.
    await until(() => sent.every((s) => r.messages.some((m) => m.id === s.id)), 8000, 'echoes');
    for (const s of sent) {
      const echoes = r.messages.filter((m) => m.id === s.id);
      assert.equal(echoes.length, 1);
      assert.equal(echoes[0]!.isSelf, true);
    }
    // Forward a received image to another friend.
    const other = await firstFriend(r, 1);
    const { msgId } = await r.sb.control.sendMessage({ from: friend.nickname, type: 'image', text: 'pic' });
    await until(() => r.messages.some((m) => m.id === msgId), 5000, 'image');
    const fwd = await r.t.forward(
      other.id,
      r.messages.find((m) => m.id === msgId)!,
    );
    assert.ok(fwd.id);
    // Download the received image.
    const bytes = await r.t.download(r.messages.find((m) => m.id === msgId)!);
    assert.ok(bytes.length > 0);
  });

  it('revoke within the window; sending to own long UserName is rejected (1204)', async () => {
    const friend = await firstFriend(r);
    const s = await r.t.sendText(friend.id, 'oops');
    await r.t.revoke(s);
    await assert.rejects(r.t.sendText(r.t.self!.id, 'me'), (e: unknown) => isTransportError(e) && e.kind === 'rejected' && e.code === 1204);
  });

  it('friend request accepted → contact arrives', async () => {
    const reqs: FriendRequest[] = [];
    r.t.on('friend-request', (q) => reqs.push(q));
    await r.sb.control.friendRequest({ nickname: 'Newcomer', greeting: 'hello' });
    await until(() => reqs.length > 0, 5000, 'request');
    await r.t.acceptFriend(reqs[0]!);
    await until(() => r.t.contacts().some((c) => c.name === 'Newcomer' && c.kind === 'friend'), 5000, 'new friend');
  });

  it('remark, pin, create room, add, remove, rename, quit', async () => {
    const a = await firstFriend(r, 2);
    const b = await firstFriend(r, 3);
    const c = await firstFriend(r, 4);
    await r.t.setRemark(a.id, 'Remarked');
    assert.equal(r.t.contact(a.id)?.remark, 'Remarked');
    await r.t.setPinned(a.id, true);
    assert.equal(r.t.contact(a.id)?.pinned, true);
    const room = await r.t.createRoom([a.id, b.id], 'Made Here');
    assert.ok(room.id.startsWith('@@'));
    await r.t.addMembers(room.id, [c.id]);
    await until(async () => (await r.t.refreshRoom(room.id))?.members.some((m) => m.id === c.id) ?? false, 5000, 'member added');
    await r.t.removeMembers(room.id, [c.id]);
    await until(async () => !((await r.t.refreshRoom(room.id))?.members.some((m) => m.id === c.id) ?? true), 5000, 'member removed');
    await r.t.setTopic(room.id, 'Renamed');
    assert.equal(r.t.room(room.id)?.topic, 'Renamed');
    await r.t.quitRoom(room.id);
    const st = await r.sb.control.state(true);
    assert.ok(!st.accounts[0]!.rooms.some((x) => x.topic === 'Renamed'));
  });
});
