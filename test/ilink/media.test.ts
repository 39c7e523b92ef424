import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { OWNER, userText } from './helpers/scripted-server.js';
import { client, savedSession, scriptedSuite } from './helpers/clients.js';
import type { IlinkTransport } from '../../src/ilink/index.js';
import { cipherSize, decodeMediaKey, decryptEcb, encryptEcb, keyFormB } from '../../src/ilink/aes.js';
import { isTransportError } from '../../src/transport/errors.js';
import type { Message } from '../../src/transport/model.js';
import { waitUntil } from '../../src/testing/wait.js';

const KEY_HEX = '00112233445566778899aabbccddeeff';

describe('iLink media crypto (AES-128-ECB)', () => {
  it('matches the reference vector and the ciphertext sizes of ilink.md §7.1', () => {
    const key = Buffer.from(KEY_HEX, 'hex');
    const plain = Buffer.from('hello, ilink');
    assert.equal(createHash('md5').update(plain).digest('hex'), '622cc193aa12f0a68622916c6324e58e');
    assert.equal(encryptEcb(plain, key).toString('hex'), 'f49bff8ac66addb64bfa573dff66fcae');
    assert.deepEqual([0, 15, 16, 12345].map(cipherSize), [16, 16, 32, 12352]);
  });

  it('decodes every key encoding to the same 16 bytes; form B is base64 of the hex', () => {
    const key = Buffer.from(KEY_HEX, 'hex');
    assert.equal(keyFormB(key), 'MDAxMTIyMzM0NDU1NjY3Nzg4OTlhYWJiY2NkZGVlZmY=');
    for (const enc of [KEY_HEX, 'ABEiM0RVZneImaq7zN3u/w==', 'MDAxMTIyMzM0NDU1NjY3Nzg4OTlhYWJiY2NkZGVlZmY=']) assert.deepEqual(decodeMediaKey(enc), key);
    assert.throws(() => decodeMediaKey('c2hvcnQ='), /neither 16 bytes nor 32 hex/);
  });

  it('round-trips any size byte-exact', () => {
    for (const n of [0, 1, 15, 16, 17, 4096, 100_003]) {
      const key = randomBytes(16);
      const data = randomBytes(n);
      const c = encryptEcb(data, key);
      assert.equal(c.length, cipherSize(n));
      assert.deepEqual(decryptEcb(c, key), data);
    }
  });
});

describe('iLink media through the CDN', () => {
  const uploads = new Map<string, Buffer>();
  const s = scriptedSuite((server) => {
    server.on('ilink/bot/sendmessage', () => ({ body: { ret: 0 } }));
    let n = 0;
    server.on('ilink/bot/getuploadurl', () => ({ body: { ret: 0, upload_param: `up-${++n}` } }));
    server.on('c2c/upload', (r) => {
      const param = `dl-${r.query.get('encrypted_query_param')}`;
      uploads.set(param, r.raw);
      return { headers: { 'x-encrypted-param': param } };
    });
    s.server.on('c2c/download', (r) => {
      const data = uploads.get(r.query.get('encrypted_query_param') ?? '');
      return data ? { body: data, headers: { 'content-type': 'application/octet-stream' } } : { status: 404 };
    });
  });

  async function ready(): Promise<IlinkTransport> {
    const tr = client(s.server);
    let got = 0;
    tr.on('message', () => got++);
    await tr.start({ session: savedSession(s.server.origin) });
    s.server.push(userText(1, 'hi'));
    await waitUntil(() => got === 1, 5000, 'the owner’s message');
    return tr;
  }

  it('sends image, video and file: getuploadurl describes the plaintext, the CDN gets ciphertext that decrypts byte-exact, the item references it with a form-B key', async () => {
    s.t = await ready();
    const cases = [
      { kind: 'image', send: (f: { name: string; data: Buffer }) => s.t!.sendImage(OWNER, f), type: 2, mediaType: 1 },
      { kind: 'video', send: (f: { name: string; data: Buffer }) => s.t!.sendVideo(OWNER, f), type: 5, mediaType: 2 },
      { kind: 'file', send: (f: { name: string; data: Buffer }) => s.t!.sendFile(OWNER, f), type: 4, mediaType: 3 },
    ];
    for (const c of cases) {
      const data = randomBytes(5000 + c.type);
      await c.send({ name: `x.${c.kind}`, data });
      const ask = s.server.calls('ilink/bot/getuploadurl').at(-1)!.body;
      assert.equal(ask.media_type, c.mediaType);
      assert.equal(ask.rawsize, data.length);
      assert.equal(ask.filesize, cipherSize(data.length));
      assert.equal(ask.rawfilemd5, createHash('md5').update(data).digest('hex'));
      assert.equal(ask.to_user_id, OWNER);
      assert.match(ask.aeskey, /^[0-9a-f]{32}$/);
      const upload = s.server.calls('c2c/upload').at(-1)!;
      assert.equal(upload.query.get('filekey'), ask.filekey);
      assert.deepEqual(decryptEcb(upload.raw, Buffer.from(ask.aeskey, 'hex')), data);
      const item = s.server.calls('ilink/bot/sendmessage').at(-1)!.body.msg.item_list;
      assert.equal(item.length, 1);
      assert.equal(item[0].type, c.type);
      const payload = item[0].image_item ?? item[0].video_item ?? item[0].file_item;
      assert.equal(payload.media.encrypt_query_param, `dl-up-${s.server.calls('ilink/bot/getuploadurl').length}`);
      assert.deepEqual(decodeMediaKey(payload.media.aes_key), Buffer.from(ask.aeskey, 'hex'));
      assert.equal(Buffer.from(payload.media.aes_key, 'base64').toString('ascii'), ask.aeskey, 'form B');
      if (c.kind === 'file') assert.equal(payload.len, String(data.length));
      if (c.kind === 'image') assert.equal(payload.mid_size, cipherSize(data.length));
    }
  });

  it('a CDN 4xx fails at once with its x-error-message; a 5xx is retried', async () => {
    s.t = await ready();
    s.server.reply('c2c/upload', { status: 400, headers: { 'x-error-message': 'bad param' } });
    await assert.rejects(s.t.sendFile(OWNER, { name: 'a', data: Buffer.from('abc') }), (e) => isTransportError(e) && /bad param/.test(e.message));
    assert.equal(s.t.replyState()[0]!.sends, 0);
    s.server.reply('c2c/upload', { status: 500 });
    await s.t.sendFile(OWNER, { name: 'a', data: Buffer.from('abc') });
    assert.equal(s.server.calls('c2c/upload').length, 3);
  });

  it('downloads inbound image (hex key / form A), file, voice (form B) and a keyless image, byte-exact; a full_url elsewhere is not fetched', async () => {
    s.t = await ready();
    const got: Message[] = [];
    s.t.on('message', (m) => got.push(m));
    const key = randomBytes(16);
    const put = (name: string, data: Buffer, encrypt = true): string => {
      uploads.set(name, encrypt ? encryptEcb(data, key) : data);
      return name;
    };
    const img = randomBytes(3000);
    const file = randomBytes(777);
    const voice = randomBytes(1234);
    const plain = randomBytes(99);
    s.server.push(
      userText(2, '', { item_list: [{ type: 2, image_item: { aeskey: key.toString('hex'), media: { encrypt_query_param: put('i1', img) } } }] }),
      userText(3, '', { item_list: [{ type: 2, image_item: { media: { encrypt_query_param: put('i2', img), aes_key: key.toString('base64') } } }] }),
      userText(4, '', { item_list: [{ type: 4, file_item: { file_name: 'f.bin', media: { encrypt_query_param: put('f1', file), aes_key: keyFormB(key) } } }] }),
      userText(5, '', {
        item_list: [
          {
            type: 3,
            voice_item: { media: { encrypt_query_param: put('v1', voice), aes_key: keyFormB(key), full_url: 'http://203.0.113.9/steal' }, encode_type: 6 },
          },
        ],
      }),
      userText(6, '', { item_list: [{ type: 2, image_item: { media: { encrypt_query_param: put('p1', plain, false) } } }] }),
    );
    await waitUntil(() => got.length === 5, 5000, 'five media messages');
    const bytes = await Promise.all(got.map((m) => s.t!.download(m)));
    assert.deepEqual(bytes, [img, img, file, voice, plain]);
    assert.equal(got[3]!.media?.mimeType, 'audio/silk');
  });
});
