import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { SAMPLE_JPEG } from '../../../src/sandbox/media.js';
import { isTransportError } from '../../../src/transport/errors.js';
import { firstFriend, inject, rig, until, type Rig } from './helpers.js';
import type { Exchange } from './proxy.js';

/** Random bytes behind a real file header, so a mix-up with a sample file cannot pass. */
function payload(header: string, size: number): Buffer {
  return Buffer.concat([Buffer.from(header, 'hex'), randomBytes(size)]);
}

const PNG = '89504e470d0a1a0a';
const MP3 = 'fffb9064';
const MP4 = '00000018667479706d703432000000006d70343269736f6d';

function last(r: Rig, endpoint: string): Exchange {
  const list = r.proxy!.of(endpoint);
  assert.ok(list.length > 0, `a ${endpoint} request was made`);
  return list[list.length - 1]!;
}

/** Replay a recorded GET with another URL (same cookies and logical host) straight at the sandbox. */
function replay(r: Rig, ex: Exchange, url: string): Promise<{ status: number; body: Buffer }> {
  const target = new URL(r.sb.origin);
  return new Promise((ok, fail) => {
    const req = http.get(
      { host: target.hostname, port: target.port, path: url, headers: { cookie: ex.headers.cookie ?? '', 'x-wechat-host': ex.host }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', fail);
  });
}

describe('integration: downloads byte for byte (skey rotating on every sync)', () => {
  let r: Rig;
  let friend: { id: string; nickname: string };
  before(async () => {
    r = await rig({ contacts: 12, rooms: 2, roomSize: 8, rotateSkey: true }, {}, { proxy: true });
    friend = await firstFriend(r);
  });
  after(async () => r?.close());

  it('image: original and big are the sent bytes, thumb is the server thumbnail (type=slave)', async () => {
    const bytes = payload(PNG, 40_000);
    const m = await inject(r, { from: friend.nickname, type: 'image', data: bytes.toString('base64'), fileName: 'photo.png' });
    assert.equal(m.type, 'image');
    assert.deepEqual(await r.t.download(m), bytes);
    assert.equal(last(r, 'webwxgetmsgimg').query.get('type'), null, 'original: no type');
    assert.deepEqual(await r.t.download(m, 'big'), bytes);
    assert.equal(last(r, 'webwxgetmsgimg').query.get('type'), 'big');
    assert.deepEqual(await r.t.download(m, 'thumb'), SAMPLE_JPEG);
    const thumb = last(r, 'webwxgetmsgimg');
    assert.equal(thumb.query.get('type'), 'slave');
    assert.equal(thumb.query.get('MsgID'), m.id);
    assert.match(thumb.query.get('skey') ?? '', /^@crypt_/);
  });

  it('voice: webwxgetvoice by msgid', async () => {
    const bytes = payload(MP3, 9_000);
    const m = await inject(r, { from: friend.nickname, type: 'voice', data: bytes.toString('base64') });
    assert.equal(m.type, 'voice');
    assert.deepEqual(await r.t.download(m), bytes);
    const ex = last(r, 'webwxgetvoice');
    assert.equal(ex.query.get('msgid'), m.id);
    assert.equal(ex.status, 200);
  });

  it('video: webwxgetvideo with Range: bytes=0- answered 206; thumb through getmsgimg', async () => {
    const bytes = payload(MP4, 700_000);
    const m = await inject(r, { from: friend.nickname, type: 'video', data: bytes.toString('base64') });
    assert.equal(m.type, 'video');
    assert.deepEqual(await r.t.download(m), bytes);
    const ex = last(r, 'webwxgetvideo');
    assert.equal(ex.headers.range, 'bytes=0-');
    assert.equal(ex.status, 206);
    assert.equal(ex.query.get('msgid'), m.id);
    assert.deepEqual(await r.t.download(m, 'thumb'), SAMPLE_JPEG);
    assert.equal(last(r, 'webwxgetmsgimg').query.get('MsgID'), m.id);
  });

  it('file: webwxgetmedia on the file host with webwx_data_ticket', async () => {
    const bytes = randomBytes(150_000);
    const m = await inject(r, { from: friend.nickname, type: 'file', data: bytes.toString('base64'), fileName: 'report 2024.pdf' });
    assert.equal(m.type, 'file');
    assert.deepEqual(await r.t.download(m), bytes);
    const ex = last(r, 'webwxgetmedia');
    assert.equal(ex.host, 'file.wx2.qq.com');
    assert.ok((ex.query.get('webwx_data_ticket') ?? '').length > 0, 'ticket in the query');
    assert.match(String(ex.headers.cookie), /webwx_data_ticket=/);
    assert.equal(ex.query.get('mediaid'), m.media?.mediaId);
    assert.equal(ex.query.get('sender'), friend.id);
  });

  it('avatars: a friend (webwxgeticon), a room (webwxgetheadimg), a member through the room handle — with the current skey', async () => {
    // Enough syncs that the skey the contacts were loaded with is no longer accepted.
    for (let i = 0; i < 6; i++) await inject(r, { from: friend.nickname, text: `tick ${i}` });
    const contact = r.t.contact(friend.id)!;
    assert.ok(contact.avatar?.startsWith('/cgi-bin/mmwebwx-bin/webwxgeticon?'));
    assert.equal(new URL(contact.avatar!, 'https://x').searchParams.has('skey'), false, 'the directory keeps no session secret');

    assert.deepEqual(await r.t.downloadAvatar(friend.id), SAMPLE_JPEG);
    const icon = last(r, 'webwxgeticon');
    assert.equal(icon.query.get('username'), friend.id);
    assert.ok(icon.query.get('skey'), 'the download carries the session skey');
    // The path exactly as stored (no skey) would have been answered with nothing.
    const bare = await replay(r, icon, contact.avatar!);
    assert.equal(bare.status, 200);
    assert.equal(bare.body.length, 0, 'the sandbox gives 0 bytes without the skey');

    const room = r.t.rooms()[0]!;
    assert.deepEqual(await r.t.downloadAvatar(room.id), SAMPLE_JPEG);
    assert.equal(last(r, 'webwxgetheadimg').query.get('username'), room.id);

    const member = room.members.find((x) => x.id !== r.t.self!.id && !r.t.contact(x.id));
    assert.ok(member, 'a member who is not a contact');
    assert.deepEqual(await r.t.downloadAvatar(member.id), SAMPLE_JPEG);
    const mex = last(r, 'webwxgeticon');
    assert.equal(mex.query.get('username'), member.id);
    assert.equal(mex.query.get('chatroomid'), room.handle);
  });

  it('a stale skey gets 0 bytes: a clear TransportError, never an empty Buffer', async () => {
    const bytes = payload(PNG, 5_000);
    const m = await inject(r, { from: friend.nickname, type: 'image', data: bytes.toString('base64') });
    // An skey of an earlier session: the sandbox answers it like WeChat answers a stale one.
    const staleSkey = '@crypt_00000000_stale';
    // As a client that missed an SKey rotation would ask.
    r.proxy!.rewrite = (url, endpoint) => {
      if (!/^webwxget(msgimg|voice|video|media|icon|headimg)$/.test(endpoint)) return undefined;
      const u = new URL(url, 'http://x');
      u.searchParams.set('skey', staleSkey);
      return u.pathname + u.search;
    };
    try {
      await assert.rejects(
        r.t.download(m),
        (e: unknown) => isTransportError(e) && e.kind === 'server' && !e.retryable && /0 bytes/.test(e.message) && /stale skey/.test(e.message),
      );
      await assert.rejects(r.t.downloadAvatar(friend.id), (e: unknown) => isTransportError(e) && /avatar: 0 bytes/.test(e.message));
      assert.equal(last(r, 'webwxgetmsgimg').status, 200, 'WeChat says 200 with nothing');
    } finally {
      r.proxy!.rewrite = undefined;
    }
    assert.deepEqual(await r.t.download(m), bytes, 'fine again with the current skey');
  });

  it('media nobody can download: store stickers refuse before any request; text has no media', async () => {
    const sticker = await inject(r, { from: friend.nickname, type: 'emoticon', store: true });
    const before = r.proxy!.exchanges.length;
    await assert.rejects(r.t.download(sticker), (e: unknown) => isTransportError(e) && e.kind === 'invalid');
    const text = await inject(r, { from: friend.nickname, text: 'no media' });
    await assert.rejects(r.t.download(text), (e: unknown) => isTransportError(e) && e.kind === 'invalid');
    await until(() => true);
    assert.equal(r.proxy!.of('webwxgetmsgimg').filter((x) => x.query.get('MsgID') === sticker.id).length, 0);
    assert.ok(r.proxy!.exchanges.slice(before).every((x) => !x.endpoint.startsWith('webwxget')));
  });
});

describe('integration: video from a server that ignores Range (200 with the whole file)', () => {
  let r: Rig;
  before(async () => {
    r = await rig({ contacts: 5, rooms: 1, roomSize: 3, video206: false }, {}, { proxy: true });
  });
  after(async () => r?.close());

  it('accepts 200 as the whole body', async () => {
    const friend = await firstFriend(r);
    const bytes = payload(MP4, 200_000);
    const m = await inject(r, { from: friend.nickname, type: 'video', data: bytes.toString('base64') });
    assert.deepEqual(await r.t.download(m), bytes);
    const ex = last(r, 'webwxgetvideo');
    assert.equal(ex.status, 200);
    assert.equal(ex.headers.range, 'bytes=0-');
  });
});
