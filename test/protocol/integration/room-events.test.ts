import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Room, RoomJoin, RoomLeave, RoomTopic } from '../../../src/transport/model.js';
import { rig, until, type Rig } from './helpers.js';

for (const lang of ['zh_CN', 'en_US'] as const) {
  describe(`integration: room-join / room-leave / room-topic from phone events (${lang})`, () => {
    let r: Rig;
    const joins: RoomJoin[] = [];
    const leaves: RoomLeave[] = [];
    const topics: RoomTopic[] = [];
    let room: Room;
    let sbRoom: { id: string; topic: string; members: { id: string; nickname: string; displayName: string }[] };
    before(async () => {
      r = await rig({ contacts: 12, rooms: 2, roomSize: 6, lang }, { lang });
      r.t.on('room-join', (j) => joins.push(j));
      r.t.on('room-leave', (l) => leaves.push(l));
      r.t.on('room-topic', (t) => topics.push(t));
      const st = await r.sb.control.state(true);
      sbRoom = st.accounts[0]!.rooms[0]!;
      room = r.t.rooms().find((x) => x.topic === sbRoom.topic)!;
      assert.ok(room, 'the room is known to the transport');
    });
    after(async () => r?.close());

    /** A member of the sandbox room other than the account itself. */
    function other(skip = 0): { id: string; nickname: string; displayName: string } {
      const self = r.t.self!.name;
      return sbRoom.members.filter((m) => m.nickname !== self)[skip]!;
    }

    it('a member invites a newcomer → room-join with the newcomer resolved to a member id', async () => {
      const inviter = other(0);
      await r.sb.control.roomJoin({ room: sbRoom.topic, member: 'Newcomer Nora', by: inviter.nickname });
      await until(() => joins.length === 1, 5000, 'room-join');
      const j = joins[0]!;
      assert.equal(j.roomId, room.id);
      assert.deepEqual(j.names, ['Newcomer Nora']);
      assert.equal(j.via, 'invite');
      assert.equal(j.bySelf, false);
      assert.equal(j.inviterName, inviter.displayName || inviter.nickname);
      assert.equal(j.memberIds.length, 1);
      const member = r.t.room(room.id)!.members.find((m) => m.id === j.memberIds[0]);
      assert.equal(member?.name, 'Newcomer Nora');
    });

    it('someone joins through a shared QR code → via qrcode', async () => {
      const sharer = other(1);
      await r.sb.control.roomJoin({ room: sbRoom.topic, member: 'Scanner Sam', by: sharer.nickname, via: 'qr' });
      await until(() => joins.length === 2, 5000, 'room-join via QR');
      const j = joins[1]!;
      assert.equal(j.via, 'qrcode');
      assert.deepEqual(j.names, ['Scanner Sam']);
      assert.equal(j.inviterName, sharer.displayName || sharer.nickname);
      assert.equal(r.t.room(room.id)!.members.find((m) => m.id === j.memberIds[0])?.name, 'Scanner Sam');
    });

    it('the account invites from its phone → bySelf', async () => {
      await r.sb.control.roomJoin({ room: sbRoom.topic, member: 'Guest Gil', by: 'self' });
      await until(() => joins.length === 3, 5000, 'room-join by self');
      const j = joins[2]!;
      assert.equal(j.bySelf, true);
      assert.equal(j.inviterName, undefined);
      assert.equal(r.t.room(room.id)!.members.find((m) => m.id === j.memberIds[0])?.name, 'Guest Gil');
    });

    it('a member leaves quietly (no system text) → room-leave from the member list change', async () => {
      const nora = r.t.room(room.id)!.members.find((m) => m.name === 'Newcomer Nora')!;
      await r.sb.control.roomLeave({ room: sbRoom.topic, member: 'Newcomer Nora' });
      await until(() => leaves.length === 1, 5000, 'room-leave');
      const l = leaves[0]!;
      assert.equal(l.roomId, room.id);
      assert.deepEqual(l.names, ['Newcomer Nora']);
      assert.deepEqual(l.memberIds, [nora.id]);
      assert.equal(l.self, false);
      assert.equal(l.removerName, undefined);
      assert.ok(!r.t.room(room.id)!.members.some((m) => m.id === nora.id));
    });

    it('the account removes a member from its phone → one room-leave with the removed id', async () => {
      const sam = r.t.room(room.id)!.members.find((m) => m.name === 'Scanner Sam')!;
      await r.sb.control.roomRemove({ room: sbRoom.topic, member: 'Scanner Sam', by: 'self' });
      await until(() => leaves.length >= 2, 5000, 'room-leave by removal');
      await new Promise((ok) => setTimeout(ok, 300)); // a duplicate would arrive in the same sync
      assert.equal(leaves.length, 2, 'one event for one removal (text and member list agree)');
      const l = leaves[1]!;
      assert.deepEqual(l.names, ['Scanner Sam']);
      assert.deepEqual(l.memberIds, [sam.id]);
    });

    it('a member renames the group → room-topic with the old topic, and the room carries the new one', async () => {
      const changer = other(0);
      const old = r.t.room(room.id)!.topic;
      await r.sb.control.roomRename({ room: sbRoom.topic, topic: `Renamed ${lang}`, by: changer.nickname });
      await until(() => topics.length === 1, 5000, 'room-topic');
      const t = topics[0]!;
      assert.equal(t.roomId, room.id);
      assert.equal(t.topic, `Renamed ${lang}`);
      assert.equal(t.oldTopic, old);
      assert.equal(t.changerName, changer.displayName || changer.nickname);
      assert.equal(r.t.room(room.id)!.topic, `Renamed ${lang}`);
    });

    it('the account renames it from its phone → changer is self', async () => {
      await r.sb.control.roomRename({ room: `Renamed ${lang}`, topic: `Mine ${lang}`, by: 'self' });
      await until(() => topics.length === 2, 5000, 'room-topic by self');
      assert.equal(topics[1]!.oldTopic, `Renamed ${lang}`);
      assert.equal(topics[1]!.changerName, r.t.self!.name);
    });
  });
}
