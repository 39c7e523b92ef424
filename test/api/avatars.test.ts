import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, until, type Harness } from './harness.js';
import { rawRows } from '../helpers/raw-db.js';

describe('avatars: no WeChat session secret in the directory or the API, served through /media/avatar', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('keeps contacts and rooms in SQLite without the skey that WeChat puts in HeadImgUrl', async () => {
    const stored = async (): Promise<{ data: string }[]> => [
      ...(await rawRows<{ data: string }>(h.dataDir, 'select data from contacts where account_id = ?', h.bot.id)),
      ...(await rawRows<{ data: string }>(h.dataDir, 'select data from rooms where account_id = ?', h.bot.id)),
    ];
    // The bot keeps its directory in memory first and writes it after (on PostgreSQL, a round trip later than the harness sees it online).
    await until(async () => (await stored()).length > 10, undefined, 'the directory to be stored');
    const rows = await stored();
    const withAvatar = rows.filter((r) => (JSON.parse(r.data) as { avatar?: string }).avatar);
    assert.ok(withAvatar.length > 0, 'avatars are kept (as paths)');
    for (const r of rows) assert.doesNotMatch(r.data, /skey/i);
  });

  it('answers avatar fields with signed weiroto links that fetch the picture with the current session', async () => {
    const contacts = await h.call('GET', `/api/v1/accounts/${h.bot.id}/contacts?limit=200`);
    const rooms = await h.call('GET', `/api/v1/accounts/${h.bot.id}/rooms?limit=200`);
    const accounts = await h.call('GET', '/api/v1/accounts');
    for (const r of [contacts, rooms, accounts]) {
      assert.equal(r.status, 200);
      assert.doesNotMatch(JSON.stringify(r.body), /skey/i);
    }
    const self = accounts.body.items[0].self as { avatar: string };
    assert.ok(self.avatar.startsWith(`${h.url}/media/avatar/`), self.avatar);
    const items = [...contacts.body.items, ...rooms.body.items] as { avatar: string }[];
    assert.ok(items.length > 10);
    for (const c of items) assert.ok(c.avatar.startsWith(`${h.url}/media/avatar/${h.bot.id}/`), c.avatar);

    // No token needed: the signature is the permission.
    const pic = await fetch(items[0]!.avatar);
    assert.equal(pic.status, 200);
    assert.equal(pic.headers.get('content-type'), 'image/jpeg');
    const bytes = Buffer.from(await pic.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8]);

    const room = await fetch((rooms.body.items[0] as { avatar: string }).avatar);
    assert.equal(room.status, 200);

    // Another contact's id under the same signature, or a message-media signature, is refused.
    const u = new URL(items[0]!.avatar);
    const other = new URL(items[1]!.avatar);
    const forged = `${u.origin}${other.pathname}${u.search}`;
    assert.equal((await fetch(forged)).status, 403);
    const asMessage = `${u.origin}${u.pathname.replace('/media/avatar/', '/media/')}${u.search}`;
    assert.equal((await fetch(asMessage)).status, 403);
  });
});
