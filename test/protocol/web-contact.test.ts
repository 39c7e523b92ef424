// The web book's compact contact: the avatar path is kept as its seq when it is the usual one for
// the id, and read back as exactly the string avatarPath() gave (recorded answers and odd forms);
// spreads and Object.keys see the fields of a plain Contact, JSON sees the avatar too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { avatarPath, isRoomId, parseContact } from '../../src/protocol/parse-contact.js';
import { compactAvatar } from '../../src/protocol/web-contact.js';
import { ContactBook } from '../../src/protocol/contact-book.js';
import { parseWireJson } from '../../src/protocol/wire-json.js';
import type { RawContact, RawGetContactResponse, RawInitResponse } from '../../src/protocol/raw-types.js';

const fixture = <T>(name: string): T => parseWireJson<T>(readFileSync(new URL(`../fixtures/recorded/${name}`, import.meta.url), 'utf8'));
const ICON = '/cgi-bin/mmwebwx-bin/webwxgeticon';

describe('WebContact (src/protocol/web-contact.ts)', () => {
  it('reads back the avatar path avatarPath() made, for every recorded person', () => {
    const raws = [...fixture<RawGetContactResponse>('webwxgetcontact.json').MemberList, ...fixture<RawInitResponse>('webwxinit.json').ContactList];
    let seqs = 0;
    for (const raw of raws.filter((r) => !isRoomId(r.UserName) && r.HeadImgUrl)) {
      const want = avatarPath(raw.HeadImgUrl!);
      assert.equal(parseContact(raw).avatar, want, raw.UserName);
      if (typeof compactAvatar(want, raw.UserName) === 'number') seqs++;
    }
    assert.ok(seqs > 0, 'the recorded paths are the usual form: kept as a seq');
  });

  it('keeps the seq only for the usual path of this id; any other path as it came', () => {
    const usual = `${ICON}?seq=620802813&username=%407f504ff04e223e8cda9ece47f040c6b7`;
    assert.equal(compactAvatar(usual, '@7f504ff04e223e8cda9ece47f040c6b7'), 620802813);
    const others = [
      [usual, '@someoneelse'],
      [`${ICON}?seq=00012&username=%40a`, '@a'],
      [`${ICON}?seq=12&username=%40a&chatroomid=%40%40r`, '@a'],
      [`${ICON}?username=%40a&seq=12`, '@a'],
      [`/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=12&username=%40a`, '@a'],
      [`${ICON}?seq=12&username=@a`, '@a'],
      [`${ICON}?seq=x&username=%40a`, '@a'],
      ['https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxgeticon?seq=12&username=%40a', '@a'],
      ['', '@a'],
    ] as const;
    for (const [path, id] of others) assert.equal(compactAvatar(path, id), path, path);
    for (const [path, id] of others) {
      const raw: RawContact = { UserName: id, NickName: 'N', HeadImgUrl: path || 'x' } as RawContact;
      assert.equal(parseContact(raw).avatar, avatarPath(raw.HeadImgUrl!), path);
    }
  });

  it('keeps only the seq of a raw HeadImgUrl of the usual form, and gives every form back as avatarPath() does', () => {
    const id = '@7f504ff04e223e8cda9ece47f040c6b7';
    const usual = [
      [`${ICON}?seq=620802813&username=${id}&skey=@crypt_3d4a_9c`, id],
      [`${ICON}?seq=0&username=wxid_a.b-c`, 'wxid_a.b-c'],
      [`${ICON}?seq=12&username=${id}&skey=`, id],
    ] as const;
    for (const [raw, who] of usual) assert.equal(typeof compactAvatar(avatarPath(raw), who), 'number', raw);
    const others = [
      [`${ICON}?seq=12&username=a+b&skey=x`, 'a+b'],
      [`${ICON}?seq=12&username=%40a&skey=x`, '@a'],
      [`${ICON}?seq=012&username=@a`, '@a'],
      [`${ICON}?seq=12&username=@a&skey=x&type=big`, '@a'],
      [`${ICON}?seq=12&username=@a&chatroomid=@@r`, '@a'],
      [`${ICON}?seq=12&username=@b&skey=x`, '@a'],
      [`${ICON}?seq=12&username=@a#x`, '@a'],
      [`${ICON}?seq=1234567890123456&username=@a`, '@a'],
    ] as const;
    for (const [raw, who] of [...usual, ...others]) {
      const contact = parseContact({ UserName: who, NickName: 'N', HeadImgUrl: raw } as RawContact);
      assert.equal(contact.avatar, avatarPath(raw), raw);
      assert.equal(JSON.stringify(contact).includes(JSON.stringify(avatarPath(raw))), true, raw);
    }
  });

  it('avatarPath() of a plain path (string operations) is what URL and URLSearchParams make of it', () => {
    const byUrl = (path: string): string => {
      const u = new URL(path, 'https://wx.qq.com');
      for (const p of ['skey', 'pass_ticket', 'sid', 'uin', 'webwx_data_ticket']) u.searchParams.delete(p);
      return u.pathname + u.search;
    };
    const paths = [
      `${ICON}?seq=0&username=@@abc&chatroomid=@xyz&skey=@crypt_1`,
      '/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=0&username=@@a&skey=',
      '/a/b',
      '/a-b/c_d?y=@a',
      '/a/b?skey=x&uin=1',
      '/a/b?x=1&skey=&y=@a.b-c_d',
      '/a?skey=1&skey=2&z=3&z=4',
      '/a/b?sKey=1',
      '/a/./b?x=1&skey=2',
      '/a/b?x=a+b&skey=2',
      '/a/b?x=%40&skey=2',
      '/a/b?x&skey=2',
    ];
    for (const path of paths) assert.equal(avatarPath(path), byUrl(path), path);
  });

  it('spreads and keys as a plain Contact (no avatar, no unset fields); JSON carries the avatar', () => {
    const raw = {
      UserName: '@a1',
      NickName: 'Ann',
      HeadImgUrl: `${ICON}?seq=5&username=@a1&skey=@crypt_x`,
      ContactFlag: 3,
      Sex: 2,
      RemarkName: 'A',
    } as RawContact;
    const c = parseContact(raw, '@me');
    assert.deepEqual(Object.keys(c), ['id', 'name', 'kind', 'gender', 'starred', 'pinned', 'muted', 'remark']);
    assert.equal(c.avatar, `${ICON}?seq=5&username=%40a1`);
    const { avatar, ...rest } = c;
    assert.equal(avatar, c.avatar);
    assert.equal('avatar' in rest, false);
    assert.deepEqual(JSON.parse(JSON.stringify(c)), {
      id: '@a1',
      name: 'Ann',
      kind: 'friend',
      gender: 'female',
      starred: false,
      pinned: false,
      muted: false,
      remark: 'A',
      avatar: `${ICON}?seq=5&username=%40a1`,
    });
    assert.equal(JSON.stringify(parseContact({ UserName: '@b', NickName: 'B' } as RawContact)).includes('avatar'), false);
  });

  it('the book gives room members the names and ids of the contacts they are, whichever came first', () => {
    const book = new ContactBook();
    const room = {
      UserName: '@@r',
      NickName: 'R',
      MemberList: [
        { UserName: '@a1', NickName: 'Ann', DisplayName: '' },
        { UserName: '@s', NickName: 'Sam', DisplayName: 'S' },
      ],
    };
    book.upsert(room as unknown as RawContact);
    book.upsert({ UserName: '@a1', NickName: 'Ann', ContactFlag: 3 } as RawContact);
    book.shareMemberStrings();
    assert.deepEqual(book.rooms.get('@@r')!.members, [
      { id: '@a1', name: 'Ann' },
      { id: '@s', name: 'Sam', displayName: 'S' },
    ]);
    assert.equal(book.nameOf('@s', '@@r'), 'S');
    assert.equal(book.hasMember('@@r', '@a1'), true);
  });
});
