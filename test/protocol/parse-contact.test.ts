import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { contactKind, isRoomId, parseContact, parseRoom } from '../../src/protocol/parse-contact.js';
import { parseWireJson } from '../../src/protocol/wire-json.js';
import type { RawBatchGetContactResponse, RawContact, RawGetContactResponse, RawInitResponse } from '../../src/protocol/raw-types.js';

const fixture = <T>(name: string): T => parseWireJson<T>(readFileSync(new URL(`../fixtures/recorded/${name}`, import.meta.url), 'utf8'));

describe('contactKind(raw, selfId)', () => {
  const cases: [string, Partial<RawContact>, string][] = [
    ['self', { UserName: '@me', ContactFlag: 7 }, 'self'],
    ['friend', { UserName: '@a', ContactFlag: 3, VerifyFlag: 0 }, 'friend'],
    ['official (VerifyFlag 8)', { UserName: '@b', ContactFlag: 3, VerifyFlag: 8 }, 'official'],
    ['verified official (24)', { UserName: '@c', ContactFlag: 1, VerifyFlag: 24 }, 'official'],
    ['stranger', { UserName: '@d', ContactFlag: 0, VerifyFlag: 0 }, 'stranger'],
    ['special filehelper', { UserName: 'filehelper', ContactFlag: 3 }, 'special'],
    ['special @qqim', { UserName: '123@qqim', ContactFlag: 0 }, 'special'],
  ];
  for (const [name, raw, want] of cases) it(name, () => assert.equal(contactKind(raw as RawContact, '@me'), want));
  it('isRoomId', () => {
    assert.equal(isRoomId('@@abc'), true);
    assert.equal(isRoomId('123@chatroom'), true);
    assert.equal(isRoomId('@abc'), false);
  });
});

describe('recorded fixtures parse unchanged', () => {
  it('webwxinit: self, official accounts, a group without members', () => {
    const init = fixture<RawInitResponse>('webwxinit.json');
    const self = init.User.UserName;
    const kinds = init.ContactList.map((c) => (isRoomId(c.UserName) ? 'room' : parseContact(c, self).kind));
    assert.ok(kinds.includes('official'));
    assert.ok(kinds.includes('room'));
    const room = init.ContactList.find((c) => isRoomId(c.UserName))!;
    const r = parseRoom(room, self);
    assert.equal(r.members.length, 0);
    assert.equal(parseContact(init.User as unknown as RawContact, self).kind, 'self');
  });
  it('webwxgetcontact: every entry becomes a contact or room', () => {
    const page = fixture<RawGetContactResponse>('webwxgetcontact.json');
    assert.equal(page.Seq, 0);
    for (const c of page.MemberList) {
      const out = isRoomId(c.UserName) ? parseRoom(c, undefined) : parseContact(c);
      assert.equal(out.id, c.UserName);
    }
  });
  it('webwxbatchgetcontact: group with member, EncryChatRoomId as handle', () => {
    const r = fixture<RawBatchGetContactResponse>('webwxbatchgetcontact.json');
    const g = parseRoom(r.ContactList[0]!, undefined);
    assert.equal(g.topic, '家庭');
    assert.equal(g.members.length, 1);
    assert.ok(g.handle?.startsWith('@'));
  });
});

describe('parseRoom(raw, selfId, stableId, previous)', () => {
  it('keeps previous members when the new entry has none, decodes emoji in names', () => {
    const full = parseRoom(
      {
        UserName: '@@r',
        NickName: 'T<span class="emoji emoji1f604"></span>',
        MemberCount: 2,
        MemberList: [
          { UserName: '@a', NickName: 'A', DisplayName: 'Ann' },
          { UserName: '@b', NickName: 'B&amp;B', DisplayName: '' },
        ],
        Statues: 0,
        EncryChatRoomId: '@x',
        ChatRoomOwner: '@me',
      } as unknown as RawContact,
      '@me',
    );
    assert.equal(full.topic, 'T😄');
    assert.equal(full.members[1]!.name, 'B&B');
    assert.equal(full.members[0]!.displayName, 'Ann');
    assert.equal(full.isOwner, true);
    assert.equal(full.muted, true);
    const later = parseRoom({ UserName: '@@r', NickName: 'T2', MemberCount: 0, MemberList: [] } as unknown as RawContact, '@me', undefined, full);
    assert.equal(later.members.length, 2);
    assert.equal(later.topic, 'T2');
    assert.equal(later.handle, '@x');
  });
});
