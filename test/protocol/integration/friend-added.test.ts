import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { FriendRequest } from '../../../src/transport/model.js';
import type { TransportEvents } from '../../../src/transport/transport.js';
import { rig, until, type Rig } from './helpers.js';

for (const lang of ['zh_CN', 'en_US'] as const) {
  describe(`integration: friend-added from the system texts (${lang})`, () => {
    let r: Rig;
    const added: TransportEvents['friend-added'][] = [];
    before(async () => {
      r = await rig({ contacts: 8, rooms: 1, roomSize: 8, lang }, { lang });
      r.t.on('friend-added', (a) => added.push(a));
    });
    after(async () => r?.close());

    it('accepting a friend request → "You have added X" → friend-added with the new contact', async () => {
      const reqs: FriendRequest[] = [];
      r.t.on('friend-request', (q) => reqs.push(q));
      await r.sb.control.friendRequest({ nickname: `Asker ${lang}`, greeting: 'hello' });
      await until(() => reqs.length === 1, 5000, 'request');
      const t0 = Date.now();
      await r.t.acceptFriend(reqs[0]!);
      await until(() => added.length === 1, 5000, 'friend-added');
      const a = added[0]!;
      assert.equal(a.name, `Asker ${lang}`);
      assert.equal(a.contactId, reqs[0]!.contactId);
      assert.equal(r.t.contact(a.contactId!)?.kind, 'friend');
      assert.ok(a.at >= Math.floor(t0 / 1000) * 1000 - 1000, 'at is the text time');
      // Not also delivered as a room event or twice.
      await new Promise((ok) => setTimeout(ok, 200));
      assert.equal(added.length, 1);
    });

    it('someone we asked accepts → "X just added you" → friend-added', async () => {
      const room = r.t.rooms()[0]!;
      const stranger = room.members.find((m) => m.id !== r.t.self!.id && !r.t.contact(m.id));
      assert.ok(stranger, 'a room member who is not a contact');
      await r.t.addFriend(stranger.id, 'we met in the group');
      const asked = await r.sb.control.waitForSent((m) => m.type === 'friend-request' && m.text === 'we met in the group', { timeoutMs: 3000 });
      await r.sb.control.acceptFriendRequest({ id: asked.to });
      await until(() => added.length === 2, 5000, 'friend-added after acceptance');
      const a = added[1]!;
      assert.equal(a.name, stranger.name);
      assert.equal(a.contactId, stranger.id);
      assert.equal(r.t.contact(stranger.id)?.kind, 'friend');
    });
  });
}
