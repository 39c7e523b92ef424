import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { plugin } from '../../../plugins/friends/index.js';
import type { FriendRequest } from '../../../src/transport/model.js';
import { contact, createConversation, room, type Conversation, type ConversationOptions } from '../../../src/testing/index.js';
import { ann, bob, cat, family, self, sentLine, WORLD } from '../world.js';

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

const start = async (config: unknown, o: ConversationOptions = {}): Promise<Conversation> =>
  (chat = await createConversation({ plugins: [plugin], config: { friends: config }, world: WORLD, ...o }));

const request = (name: string, greeting: string): FriendRequest => ({
  contactId: `@${name.toLowerCase()}`,
  name,
  greeting,
  ticket: 't',
  stableId: `wxid_${name.toLowerCase()}`,
  gender: 'unknown',
  receivedAt: 0,
});

describe('plugin friends', () => {
  it('accepts requests whose greeting has a keyword and welcomes them', async () => {
    const c = await start({ keywords: ['weiroto', '机器人'], welcome: 'Welcome, {name}!' });
    c.fake!.emit('friend-request', request('Dan', 'hi, I found weiroto on GitHub'));
    c.fake!.emit('friend-request', request('Eve', 'buy cheap watches'));
    c.fake!.emit('friend-request', request('Fay', '我想试试机器人'));
    await c.idle();
    assert.deepEqual(
      c.fake!.calls.filter((x) => x.method === 'acceptFriend').map((x) => (x.args[0] as FriendRequest).name),
      ['Dan', 'Fay'],
    );
    assert.deepEqual(c.fake!.sent.map(sentLine), ['@dan <- Welcome, Dan!', '@fay <- Welcome, Fay!']);
  });

  it('does nothing when auto-accept is off', async () => {
    const c = await start({ autoAccept: false });
    c.fake!.emit('friend-request', request('Dan', 'hello'));
    await c.idle();
    assert.deepEqual(c.fake!.calls, []);
    assert.deepEqual(c.fake!.sent, []);
  });

  it('invites into the least crowded room by keyword and warns on repeats', async () => {
    const big = room('@@big', 'Club A', [self, bob, cat, contact('@x', 'X'), contact('@y', 'Y')]);
    const small = room('@@small', 'Club B', [self, bob]);
    const c = await start({ invites: [{ keyword: 'join', rooms: ['Club A', 'Club B'] }] }, { world: { ...WORLD, rooms: [...WORLD.rooms, big, small] } });
    await c.shouldReply('please let me join', 'Invitation to Club B sent.', { from: ann.id });
    assert.deepEqual(
      c.fake!.calls.map((x) => [x.method, ...x.args]),
      [['addMembers', '@@small', ['@ann']]],
    );
    await c.shouldReply('join again', 'You are already in Club B.', { from: ann.id });
    assert.equal(c.fake!.calls.length, 1, 'no second invitation');
    await c.shouldReply('join', 'You are already in Club A.', { from: cat.id }); // members are told, not invited
    await c.shouldNotReply('join', { from: bob.id, room: family.id });
    await c.shouldNotReply('hello', { from: bob.id });
  });

  it('invites right after accepting when the greeting asks', async () => {
    const c = await start({
      welcome: '',
      invites: [{ keyword: 'group', rooms: ['News'], message: '{name}, see you in {room}' }],
    });
    c.fake!.emit('friend-request', request('Dan', 'add me to the group'));
    await c.idle();
    assert.deepEqual(
      c.fake!.calls.map((x) => x.method),
      ['acceptFriend', 'addMembers'],
    );
    assert.deepEqual(c.fake!.sent.map(sentLine), ['@dan <- Dan, see you in News']);
  });
});
