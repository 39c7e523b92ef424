/**
 * The directory of a web account reads its session's contact book in place (issue 17: one copy of
 * each contact, not two). The real path: AccountManager → Bot → web-protocol client → sandbox on
 * 127.0.0.1, SQLite store. Look-ups, renames, room members, deletions, a new friend (counted once
 * in the day's statistics) and the directory after the session ended behave as they did when the
 * directory kept its own copy.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AccountManager } from '../../src/accounts/account-manager.js';
import type { Bot } from '../../src/bot/bot.js';
import type { SandboxStateView } from '../../src/sandbox/control-client.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import type { Store } from '../../src/store/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import type { FriendRequest } from '../../src/transport/model.js';
import { dayOf } from '../../src/util/day.js';
import { openTestStore } from '../helpers/store.js';
import { startWebAccount } from './fixtures/web-account.js';

type World = SandboxStateView['accounts'][number];

describe('the directory of a web account (real web protocol, SQLite)', () => {
  let sb: RunningSandbox;
  let dir: string;
  let store: Store;
  let manager: AccountManager;
  let bot: Bot;
  let world: World;

  before(async () => {
    sb = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10, contacts: 12, rooms: 3, roomSize: 5 });
    dir = mkdtempSync(join(tmpdir(), 'web-directory-'));
    store = await openTestStore({ dataDir: dir });
    ({ bot, manager } = await startWebAccount(store, sb.origin));
    world = (await sb.control.state(true)).accounts[0]!;
  });
  after(async () => {
    await manager?.stopAll();
    store?.close();
    await sb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds the session’s own entries: every contact and room once, the same objects the transport has', () => {
    const t = bot.transport;
    const contacts = bot.directory.contacts();
    assert.equal(new Set(contacts.map((c) => c.id)).size, contacts.length, 'no id twice');
    for (const c of t.contacts()) {
      if (c.id === t.self?.id) continue; // the directory names itself with the login's own entry
      assert.equal(bot.directory.contact(c.id), c, c.name);
    }
    for (const r of t.rooms()) assert.equal(bot.directory.room(r.id), r, r.topic);
    assert.deepEqual(bot.directory.size, { contacts: t.contacts().length, rooms: t.rooms().length });
  });

  it('finds a friend by stable id, nickname (any case) and id, a room by topic, with its members', () => {
    const friend = world.friends.find((f) => f.kind === 'friend')!;
    const byStable = bot.directory.contact(friend.id);
    assert.ok(byStable, `the stable id ${friend.id} from SYNC_CONV`);
    assert.equal(byStable.name, friend.nickname);
    assert.equal(bot.directory.find(friend.nickname.toUpperCase()), byStable);
    assert.equal(bot.directory.find(byStable.id), byStable);
    const room = world.rooms[0]!;
    const found = bot.directory.findRoom(room.topic);
    assert.ok(found, room.topic);
    assert.equal(bot.directory.room(room.id), found, 'a room by its stable id');
    assert.deepEqual(found.members.map((m) => m.name).sort(), room.members.map((m) => m.nickname).sort());
  });

  it('follows a group rename and keeps its members', async () => {
    const room = world.rooms[1]!;
    const before = bot.directory.findRoom(room.topic)!;
    await sb.control.roomRename({ room: room.topic, topic: 'Renamed group' });
    await waitUntil(() => bot.directory.findRoom('Renamed group') !== undefined, 10_000, 'the new topic');
    const renamed = bot.directory.findRoom('Renamed group')!;
    assert.equal(renamed.id, before.id);
    assert.equal(bot.directory.findRoom(room.topic), undefined, 'the old topic finds nothing');
    assert.equal(renamed.members.length, before.members.length);
    assert.equal(bot.directory.rooms().filter((r) => r.id === before.id).length, 1);
  });

  it('a new friend is found and counted once in the day’s new friends; a later change of them is not', async () => {
    const requests: FriendRequest[] = [];
    const off = bot.transport.on('friend-request', (r) => requests.push(r));
    const day = dayOf(Date.now());
    const newFriends = async (): Promise<number> => (await store.stats.range(bot.id, day, day))[0]?.newFriends ?? 0;
    const counted = await newFriends();
    await sb.control.friendRequest({ nickname: 'Brand New', greeting: 'hi' });
    await waitUntil(() => requests.length === 1, 10_000, 'the friend request');
    off();
    const size = bot.directory.size.contacts;
    await bot.contacts.acceptFriend(requests[0]!);
    await waitUntil(() => bot.directory.find('Brand New') !== undefined, 10_000, 'the new friend in the directory');
    const added = bot.directory.find('Brand New')!;
    assert.equal(added.kind, 'friend');
    assert.equal(bot.directory.size.contacts, size + 1);
    await waitUntil(async () => (await newFriends()) === counted + 1, 10_000, 'the new friend counted');

    await bot.contacts.setRemark(added.id, 'Newest');
    await waitUntil(() => bot.directory.find('Newest')?.id === added.id, 10_000, 'the remark');
    // The contact's row and a new-friend count are written in one transaction: once the row has the remark, the count is final.
    await waitUntil(async () => (await store.directory.contacts(bot.id)).some((c) => c.remark === 'Newest'), 10_000, 'the stored remark');
    assert.equal(await newFriends(), counted + 1, 'a change of a known contact is no new friend');
  });

  it('forgets a friend who deleted the account', async () => {
    const friend = world.friends.filter((f) => f.kind === 'friend').at(-1)!;
    const id = bot.directory.contact(friend.id)!.id;
    await sb.control.friendDeletes({ friend: friend.nickname });
    await waitUntil(() => bot.directory.contact(id) === undefined, 10_000, 'the deletion');
    assert.equal(bot.directory.find(friend.nickname), undefined);
    assert.equal(bot.directory.contact(friend.id), undefined, 'nor by stable id');
    assert.ok(!bot.directory.contacts().some((c) => c.id === id));
  });

  it('still names contacts and rooms once the session ended (the panel names old chats from it)', async () => {
    const friend = world.friends.find((f) => f.kind === 'friend')!;
    const id = bot.directory.find(friend.nickname)!.id;
    await sb.control.phoneLogout();
    await waitUntil(() => bot.info().state !== 'online', 15_000, 'the phone logout');
    assert.equal(bot.directory.contact(id)?.name, friend.nickname);
    assert.ok(bot.directory.findRoom(world.rooms[0]!.topic));
  });
});
