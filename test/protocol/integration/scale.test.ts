import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rig } from './helpers.js';

describe('integration: a large account', () => {
  it('5,000 contacts and 300 groups reach ready with every group member list loaded', async () => {
    const r = await rig({ contacts: 5000, rooms: 300, roomSize: 20, contactPageSize: 1000 });
    try {
      const rooms = r.t.rooms();
      assert.equal(rooms.length, 300);
      assert.ok(
        rooms.every((x) => x.members.length > 0),
        'members loaded for every group',
      );
      const friends = r.t.contacts().filter((c) => c.kind === 'friend').length;
      assert.ok(friends >= 5000, `friends: ${friends}`);
    } finally {
      await r.close();
    }
  });
});
