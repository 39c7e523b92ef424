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
