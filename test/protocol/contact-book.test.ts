import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContactBook } from '../../src/protocol/contact-book.js';
import type { RawContact, RawMember } from '../../src/protocol/raw-types.js';

const member = (id: string, nick: string, display = ''): RawMember => ({ UserName: id, NickName: nick, DisplayName: display }) as RawMember;
const roomEntry = (members: RawMember[]): RawContact => ({ UserName: '@@r', NickName: 'Room', MemberList: members }) as unknown as RawContact;

describe('ContactBook member names', () => {
  it('answer from the member list the room has now, also after a look-up indexed the previous one', () => {
    const book = new ContactBook();
    book.selfId = '@me';
    book.selfName = 'Bot';
    book.upsert(roomEntry([member('@me', 'Bot', 'Botty'), member('@a', 'Ann', 'A'), member('@b', 'Ben')]));
    assert.equal(book.nameOf('@a', '@@r'), 'A');
    assert.equal(book.hasMember('@@r', '@b'), true);
    assert.deepEqual(book.selfNamesIn('@@r'), ['Botty', 'Bot']);

    // Ann renames herself in the room, Ben leaves, Cy joins, and the bot drops its group nickname.
    const change = book.upsert(roomEntry([member('@me', 'Bot'), member('@a', 'Ann', 'Annie'), member('@c', 'Cy')]));
    assert.deepEqual(change?.kind === 'room' && change.left, [{ id: '@b', name: 'Ben' }]);
    assert.equal(book.nameOf('@a', '@@r'), 'Annie');
    assert.equal(book.hasMember('@@r', '@b'), false);
    assert.equal(book.hasMember('@@r', '@c'), true);
    assert.equal(book.nameOf('@c', '@@r'), 'Cy');
    assert.deepEqual(book.selfNamesIn('@@r'), ['Bot']);
    assert.deepEqual(book.memberIdsByName('@@r', ['Annie', 'Cy']), ['@a', '@c']);
    assert.deepEqual(book.leftIdsByName('@@r', ['Ben']), ['@b']);
  });

  it('keep the list of a room entry without members, and forget a removed room', () => {
    const book = new ContactBook();
    book.upsert(roomEntry([member('@a', 'Ann', 'A')]));
    assert.equal(book.nameOf('@a', '@@r'), 'A');
    // init and getcontact list groups with an empty MemberList: the members stay.
    book.upsert(roomEntry([]));
    assert.equal(book.nameOf('@a', '@@r'), 'A');
    assert.equal(book.remove('@@r'), 'room');
    assert.equal(book.hasMember('@@r', '@a'), false);
    assert.equal(book.nameOf('@a', '@@r'), undefined);
    assert.deepEqual(book.memberIdsByName('@@r', ['A']), []);
  });
});

describe('ContactBook as the directory reads it (AddressBook)', () => {
  const person = (id: string, nick: string): RawContact => ({ UserName: id, NickName: nick }) as unknown as RawContact;

  it('an addition is a contact for a new id after the start-up load, not a change nor a contact loaded before', () => {
    const book = new ContactBook();
    const loadedFirst = book.upsert(person('@a', 'Ann'));
    book.loaded();
    const changed = book.upsert(person('@a', 'Annie'));
    const added = book.upsert(person('@n', 'New'));
    assert.ok(loadedFirst?.kind === 'contact' && changed?.kind === 'contact' && added?.kind === 'contact');
    assert.equal(book.isAddition(loadedFirst.contact), false);
    assert.equal(book.isAddition(changed.contact), false);
    assert.equal(book.isAddition(added.contact), true);
    const again = book.upsert(person('@n', 'New again'));
    assert.ok(again?.kind === 'contact' && !book.isAddition(again.contact), 'its next change is not');
    // Deleted and added again: someone new once more.
    book.remove('@n');
    const back = book.upsert(person('@n', 'Back'));
    assert.ok(back?.kind === 'contact' && book.isAddition(back.contact));
    // A new login loads from scratch: nothing it loads is an addition until it is loaded.
    book.clear();
    const reloaded = book.upsert(person('@z', 'Zed'));
    assert.ok(reloaded?.kind === 'contact' && !book.isAddition(reloaded.contact));
  });

  it('gives the session id of a stable id from SYNC_CONV, the latest one when it changes', () => {
    const book = new ContactBook();
    book.upsert(person('@a', 'Ann'));
    book.upsert({ UserName: '@@r', NickName: 'Room' } as unknown as RawContact);
    book.mapStableIds(['@a', '@@r'], ['wxid_ann', '123@chatroom']);
    assert.equal(book.idOf('wxid_ann'), '@a');
    assert.equal(book.idOf('123@chatroom'), '@@r');
    assert.equal(book.idOf('wxid_nobody'), undefined);
    book.mapStableIds(['@a'], ['wxid_ann2']);
    assert.equal(book.idOf('wxid_ann2'), '@a');
    assert.equal(book.idOf('wxid_ann'), undefined, 'the replaced stable id no longer names @a');
    book.clear();
    assert.equal(book.idOf('wxid_ann2'), undefined);
  });
});
