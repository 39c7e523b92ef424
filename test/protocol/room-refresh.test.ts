import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RoomJoin, RoomLeave } from '../../src/transport/model.js';
import { happyRoutes, json, OK, rawMsg, SELF, syncBody } from './helpers/fake-wechat.js';
import { sessionPerTest } from './helpers/session-per-test.js';
import { waitUntil as until } from '../../src/testing/wait.js';

const sessions = sessionPerTest();

const member = (id: string, name: string): Record<string, string> => ({ UserName: id, NickName: name, DisplayName: '' });

describe('room events when the member list lags behind the text', () => {
  it('a join text naming someone not yet listed → the room is refreshed, then the id resolves', async () => {
    const routes = happyRoutes();
    let withCarol = false;
    routes.webwxbatchgetcontact = () =>
      json({
        BaseResponse: OK,
        Count: 1,
        ContactList: [
          {
            UserName: '@@room1',
            NickName: 'Room',
            MemberCount: 3,
            EncryChatRoomId: '@enc',
            MemberList: [member(SELF, 'Me'), member('@alice', 'Alice'), ...(withCarol ? [member('@carol', 'Carol')] : [])],
          },
        ],
      });
    let checks = 0;
    routes.synccheck = () =>
      ++checks <= 2 ? { body: 'window.synccheck={retcode:"0",selector:"2"}' } : { body: 'window.synccheck={retcode:"0",selector:"0"}', delayMs: 50 };
    routes.webwxsync = (_r, n) => {
      if (n !== 2) return syncBody([], 200 + n);
      withCarol = true; // the server knows Carol by now; our list does not
      return syncBody([rawMsg('801', '@@room1', '"Alice"邀请"Carol"加入了群聊', { MsgType: 10000 })], 300);
    };
    const { fake, transport } = await sessions.open(routes);
    const joins: RoomJoin[] = [];
    transport.on('room-join', (j) => joins.push(j));
    await transport.start();
    const before = fake.count('webwxbatchgetcontact');
    await until(() => joins.length === 1);
    assert.deepEqual(joins[0], {
      roomId: '@@room1',
      names: ['Carol'],
      memberIds: ['@carol'],
      inviterName: 'Alice',
      via: 'invite',
      bySelf: false,
      at: 1700000000000,
    });
    assert.equal(fake.count('webwxbatchgetcontact'), before + 1, 'one refresh of the room');
  });

  for (const order of ['list change first', 'text first'] as const) {
    it(`a removal whose text and list change come in different syncs (${order}) → one room-leave with the id`, async () => {
      const routes = happyRoutes();
      let checks = 0;
      routes.synccheck = () =>
        ++checks <= 3 ? { body: 'window.synccheck={retcode:"0",selector:"2"}' } : { body: 'window.synccheck={retcode:"0",selector:"0"}', delayMs: 50 };
      const listChange = (key: number): ReturnType<typeof syncBody> =>
        syncBody([], key, {
          ModContactCount: 1,
          ModContactList: [{ UserName: '@@room1', NickName: 'Room', MemberCount: 1, EncryChatRoomId: '@enc', MemberList: [member(SELF, 'Me')] }],
        });
      const text = (key: number): ReturnType<typeof syncBody> => syncBody([rawMsg('802', '@@room1', '你将"Alice"移出了群聊', { MsgType: 10000 })], key);
      routes.webwxsync = (_r, n) => {
        if (n === 2) return order === 'list change first' ? listChange(300) : text(300);
        if (n === 3) return order === 'list change first' ? text(400) : listChange(400);
        return syncBody([], 200 + n);
      };
      const { fake, transport } = await sessions.open(routes);
      const leaves: RoomLeave[] = [];
      transport.on('room-leave', (l) => leaves.push(l));
      await transport.start();
      await until(() => leaves.length === 1 && fake.count('webwxsync') >= 3);
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(leaves.length, 1, 'one leave, not one per sync');
      assert.deepEqual([leaves[0]!.names, leaves[0]!.memberIds], [['Alice'], ['@alice']]);
      assert.equal(
        transport.room('@@room1')?.members.some((m) => m.id === '@alice'),
        false,
      );
    });
  }
});
