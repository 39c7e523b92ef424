import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { plugin } from '../../../plugins/room-welcome/index.js';
import type { RoomJoin } from '../../../src/transport/model.js';
import { createConversation, type Conversation } from '../../../src/testing/index.js';
import { family, news, sentLine, work, WORLD } from '../world.js';

let chat: Conversation | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

const start = async (config: unknown): Promise<Conversation> =>
  (chat = await createConversation({ plugins: [plugin], config: { 'room-welcome': config }, world: WORLD }));

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

describe('plugin room-welcome', () => {
  it('greets by the template of the room, naming everyone who joined', async () => {
    const c = await start({
      greetings: [
        { rooms: ['Family'], template: 'Welcome home {names}! ({inviter} invited {count})' },
        { rooms: ['@@work'], template: 'Hello {names}, read the pinned notes of {room}.' },
      ],
    });
    c.fake!.emit('room-join', join(family.id, ['Dan', 'Eve']));
    c.fake!.emit('room-join', join(work.id, ['Fay']));
    c.fake!.emit('room-join', join(news.id, ['Gus']));
    await c.idle();
    assert.deepEqual(c.fake!.sent.map(sentLine), [
      '@@family <- Welcome home @Dan @Eve! (Ann invited 2)',
      '@@work <- Hello @Fay, read the pinned notes of Work.',
    ]);
  });

  it('uses a catch-all greeting, plain names, and skips the bot itself', async () => {
    const c = await start({ mention: false, greetings: [{ rooms: [], template: 'Hi {names}' }] });
    c.fake!.emit('room-join', join(news.id, ['Dan', 'Bot', 'Eve']));
    c.fake!.emit('room-join', join(news.id, ['Bot']));
    await c.idle();
    assert.deepEqual(c.fake!.sent.map(sentLine), ['@@news <- Hi Dan, Eve']);
  });

  it('can leave people this account invited alone', async () => {
    const c = await start({ greetInvitedBySelf: false });
    c.fake!.emit('room-join', join(family.id, ['Dan'], { bySelf: true }));
    c.fake!.emit('room-join', join(family.id, ['Eve']));
    await c.idle();
    assert.deepEqual(c.fake!.sent.map(sentLine), ['@@family <- Welcome @Eve to Family!']);
  });
});
