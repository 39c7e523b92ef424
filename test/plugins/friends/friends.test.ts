import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { plugin } from '../../../plugins/friends/index.js';
import type { FriendRequest } from '../../../src/transport/model.js';
import { ann, bob, cat, contact, family, room, self, startPlugin, type Harness } from '../harness.js';
import { waitUntil } from '../../helpers/wait.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

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
    h = await startPlugin(plugin, { keywords: ['weiroto', '机器人'], welcome: 'Welcome, {name}!' });
    h.events.emit('friend-request', request('Dan', 'hi, I found weiroto on GitHub'));
    h.events.emit('friend-request', request('Eve', 'buy cheap watches'));
    h.events.emit('friend-request', request('Fay', '我想试试机器人'));
    await waitUntil(() => h!.sent.length >= 2, 5000, 'two welcomes');
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      h.calls.filter((c) => c.method === 'acceptFriend').map((c) => (c.args[0] as FriendRequest).name),
      ['Dan', 'Fay'],
    );
    assert.deepEqual(
      h.sent.map((s) => `${s.chatId} <- ${s.text}`),
      ['@dan <- Welcome, Dan!', '@fay <- Welcome, Fay!'],
    );
  });

  it('does nothing when auto-accept is off', async () => {
    h = await startPlugin(plugin, { autoAccept: false });
    h.events.emit('friend-request', request('Dan', 'hello'));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(h.calls.length, 0);
  });

  it('invites into the least crowded room by keyword and warns on repeats', async () => {
    const big = room('@@big', 'Club A', [self, bob, cat, contact('@x', 'X'), contact('@y', 'Y')]);
    const small = room('@@small', 'Club B', [self, bob]);
    h = await startPlugin(plugin, { invites: [{ keyword: 'join', rooms: ['Club A', 'Club B'] }] }, { rooms: [big, small] });
    await h.say(ann, 'please let me join');
    assert.deepEqual(
      h.calls.map((c) => [c.method, ...c.args]),
      [['addMembers', '@@small', ['@ann']]],
    );
    assert.deepEqual(h.take(), ['Invitation to Club B sent.']);
    await h.say(ann, 'join again');
    assert.deepEqual(h.take(), ['You are already in Club B.']);
    assert.equal(h.calls.length, 1, 'no second invitation');
    await h.say(cat, 'join');
    assert.deepEqual(h.take(), ['You are already in Club A.'], 'members are told, not invited');
    await h.say(bob, 'join', { room: family });
    await h.say(bob, 'hello');
    assert.deepEqual(h.take(), []);
  });

  it('invites right after accepting when the greeting asks', async () => {
    h = await startPlugin(plugin, {
      welcome: '',
      invites: [{ keyword: 'group', rooms: ['News'], message: '{name}, see you in {room}' }],
    });
    h.events.emit('friend-request', request('Dan', 'add me to the group'));
    await waitUntil(() => h!.sent.length >= 1, 5000, 'the welcome');
    assert.deepEqual(
      h.calls.map((c) => c.method),
      ['acceptFriend', 'addMembers'],
    );
    assert.deepEqual(h.take(), ['Dan, see you in News']);
  });
});
