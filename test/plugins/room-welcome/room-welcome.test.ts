import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { plugin } from '../../../plugins/room-welcome/index.js';
import type { RoomJoin } from '../../../src/transport/model.js';
import { family, news, startPlugin, work, type Harness } from '../harness.js';
import { waitUntil } from '../../helpers/wait.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const join = (roomId: string, names: string[], o: Partial<RoomJoin> = {}): RoomJoin => ({
  roomId,
  names,
  memberIds: [],
  via: 'invite',
  bySelf: false,
  at: 0,
  inviterName: 'Ann',
  ...o,
});
const settle = () => new Promise((r) => setTimeout(r, 30));

describe('plugin room-welcome', () => {
  it('greets by the template of the room, naming everyone who joined', async () => {
    h = await startPlugin(plugin, {
      greetings: [
        { rooms: ['Family'], template: 'Welcome home {names}! ({inviter} invited {count})' },
        { rooms: ['@@work'], template: 'Hello {names}, read the pinned notes of {room}.' },
      ],
    });
    h.events.emit('room-join', join(family.id, ['Dan', 'Eve']));
    h.events.emit('room-join', join(work.id, ['Fay']));
    h.events.emit('room-join', join(news.id, ['Gus']));
    await waitUntil(() => h!.sent.length >= 2, 5000, 'two greetings');
    await settle(); // and none for the news room
    assert.deepEqual(
      h.sent.map((s) => `${s.chatId} <- ${s.text}`),
      ['@@family <- Welcome home @Dan @Eve! (Ann invited 2)', '@@work <- Hello @Fay, read the pinned notes of Work.'],
    );
  });

  it('uses a catch-all greeting, plain names, and skips the bot itself', async () => {
    h = await startPlugin(plugin, { mention: false, greetings: [{ rooms: [], template: 'Hi {names}' }] });
    h.events.emit('room-join', join(news.id, ['Dan', 'Bot', 'Eve']));
    h.events.emit('room-join', join(news.id, ['Bot']));
    await waitUntil(() => h!.sent.length >= 1, 5000, 'a greeting');
    await settle(); // and none for the bot alone
    assert.deepEqual(h.take(), ['Hi Dan, Eve']);
  });

  it('can leave people this account invited alone', async () => {
    h = await startPlugin(plugin, { greetInvitedBySelf: false });
    h.events.emit('room-join', join(family.id, ['Dan'], { bySelf: true }));
    h.events.emit('room-join', join(family.id, ['Eve']));
    await waitUntil(() => h!.sent.length >= 1, 5000, 'a greeting');
    await settle(); // and none for the one this account invited
    assert.deepEqual(h.take(), ['Welcome @Eve to Family!']);
  });
});
