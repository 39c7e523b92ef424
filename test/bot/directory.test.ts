/**
 * The Directory over a web session's contact book (src/protocol/contact-book.ts, the real one) and
 * on its own (iLink, an account run by another node): what it answers, what it counts as new, and
 * what reading the book in place saves (issue 17).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Directory } from '../../src/bot/directory.js';
import { ContactBook } from '../../src/protocol/contact-book.js';
import type { RawContact } from '../../src/protocol/raw-types.js';
import type { Contact, Room } from '../../src/transport/model.js';
import { v8Gc } from '../../src/util/heap-trim.js';

const person = (id: string, nick: string, extra: Record<string, unknown> = {}): RawContact =>
  ({ UserName: id, NickName: nick, ...extra }) as unknown as RawContact;
const group = (id: string, topic: string): RawContact =>
  ({ UserName: id, NickName: topic, MemberList: [{ UserName: '@a', NickName: 'Ann' }] }) as unknown as RawContact;
const contactOf = (book: ContactBook, raw: RawContact): Contact => {
  const change = book.upsert(raw);
  assert.ok(change?.kind === 'contact');
  return change.contact;
};

/** A book loaded like a session's start-up: Ann, Ben, self, one group; SYNC_CONV maps Ann's and the group's stable ids. */
function loadedBook(): ContactBook {
  const book = new ContactBook();
  book.selfId = '@me';
  book.upsert(person('@a', 'Ann', { RemarkName: 'Annie' }));
  book.upsert(person('@b', 'Ben'));
  book.upsert(person('@me', 'Bot'));
  book.upsert(group('@@g', 'Garden club'));
  book.mapStableIds(['@a', '@@g'], ['wxid_ann', '42@chatroom']);
  book.loaded();
  return book;
}

describe('Directory over a web contact book', () => {
  it('answers by id, stable id, remark, nickname and topic from the book itself', () => {
    const book = loadedBook();
    const d = new Directory();
    d.share(book);
    const ann = book.contacts.get('@a')!;
    assert.equal(d.contact('@a'), ann);
    assert.equal(d.contact('wxid_ann'), ann);
    assert.equal(d.find('Annie'), ann);
    assert.equal(d.find('ben')?.id, '@b');
    assert.equal(d.room('42@chatroom'), book.rooms.get('@@g'));
    assert.equal(d.findRoom('garden CLUB')?.id, '@@g');
    assert.equal(d.nameOf('@a'), 'Annie');
    assert.deepEqual(d.size, { contacts: 3, rooms: 1 });
    // What the book learns later is there at once, without an event (SYNC_CONV maps in place).
    book.mapStableIds(['@b'], ['wxid_ben']);
    assert.equal(d.contact('wxid_ben')?.id, '@b');
  });

  it('keeps what the book does not hold over it: the login’s own self, a topic from a rename text', () => {
    const book = loadedBook();
    const d = new Directory();
    d.share(book);
    const self: Contact = { ...book.contacts.get('@me')!, name: 'Bot (login)' };
    d.putContact(self);
    assert.equal(d.contact('@me'), self);
    assert.deepEqual(
      d.contacts().map((c) => c.name),
      ['Ann', 'Ben', 'Bot (login)'],
      'in the book’s order, each once',
    );
    const room = d.room('@@g')!;
    const renamed: Room = { ...room, topic: 'Vegetable club' };
    d.putRoom(renamed);
    assert.equal(d.findRoom('Vegetable club'), renamed);
    assert.equal(d.findRoom('Garden club'), undefined);
    assert.deepEqual(d.size, { contacts: 3, rooms: 1 });
    // The group's entry comes: the book's object is current again.
    const fresh = book.upsert(group('@@g', 'Vegetable club'));
    assert.ok(fresh?.kind === 'room');
    d.putRoom(fresh.room);
    assert.equal(d.room('@@g'), fresh.room);
  });

  it('counts as new a contact the book added after its start-up, not a change of a known one', () => {
    const book = loadedBook();
    const d = new Directory();
    d.share(book);
    assert.equal(d.putContact(contactOf(book, person('@b', 'Benjamin'))), false);
    assert.equal(d.find('Benjamin')?.id, '@b');
    assert.equal(d.putContact(contactOf(book, person('@n', 'Newcomer'))), true);
    assert.equal(d.putContact(contactOf(book, person('@n', 'Newcomer', { RemarkName: 'Nina' }))), false);
    assert.equal(book.remove('@n'), 'contact');
    d.removeContact('@n');
    assert.equal(d.find('Nina'), undefined);
    assert.equal(d.size.contacts, 3);
  });

  it('on its own (no book): load, put, remove and new as before', () => {
    const d = new Directory();
    const ann: Contact = { id: '@a', stableId: 'wxid_ann', name: 'Ann', kind: 'friend', gender: 'unknown', starred: false, pinned: false, muted: false };
    d.share(loadedBook());
    d.load([ann], [{ id: '@@g', topic: 'Garden club', members: [], memberCount: 0, isOwner: false, muted: false }]);
    assert.deepEqual(d.size, { contacts: 1, rooms: 1 }, 'load drops the book');
    assert.equal(d.contact('wxid_ann'), ann);
    assert.equal(d.putContact({ ...ann, name: 'Annie' }), false);
    assert.equal(d.putContact({ ...ann, id: '@b', stableId: 'wxid_ben', name: 'Ben' }), true);
    d.removeContact('@a');
    assert.equal(d.contact('wxid_ann'), undefined);
    assert.deepEqual(
      d.contacts().map((c) => c.name),
      ['Ben'],
    );
  });

  it('costs no memory per contact over a book, where a copy costs a map entry each', () => {
    const gc = v8Gc();
    const book = new ContactBook();
    for (let i = 0; i < 20_000; i++) book.upsert(person(`@${i.toString(16).padStart(32, '0')}`, `friend ${i}`));
    book.loaded();
    const heapAfter = (make: () => Directory): { bytes: number; d: Directory } => {
      gc();
      const before = process.memoryUsage().heapUsed;
      const d = make();
      gc();
      return { bytes: process.memoryUsage().heapUsed - before, d };
    };
    const copy = heapAfter(() => {
      const d = new Directory();
      d.load(book.contacts.values(), book.rooms.values());
      return d;
    });
    const shared = heapAfter(() => {
      const d = new Directory();
      d.share(book);
      return d;
    });
    // 20,000 map entries are about 0.9 MiB (64-bit V8): the measure sees a copy.
    assert.ok(copy.bytes > 500_000, `a copy of 20,000 contacts took ${copy.bytes} bytes`);
    assert.ok(shared.bytes < 50_000, `the directory over the book took ${shared.bytes} bytes`);
    assert.equal(copy.d.size.contacts + shared.d.size.contacts, 40_000);
  });
});
