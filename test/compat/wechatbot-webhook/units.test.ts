// The pure parts of the wechatbot-webhook layer: lenient JSON, the original's parameter checks,
// file names and kinds, the Latin-1 file-name repair, the multipart writer, and the env names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { parseLenientJson, LenientJsonError } from '../../../src/compat/wechatbot-webhook/lenient-json.js';
import { itemReasons, recipientReasons } from '../../../src/compat/wechatbot-webhook/rules.js';
import { kindOfName, splitFileUrls } from '../../../src/compat/wechatbot-webhook/file-url.js';
import { redecodeFileName } from '../../../src/compat/wechatbot-webhook/send-v1.js';
import { multipartForm } from '../../../src/compat/wechatbot-webhook/multipart-form.js';
import { loadConfig } from '../../../src/config.js';

describe('lenient JSON', () => {
  it('takes strict JSON as JSON.parse does', () => {
    assert.deepEqual(parseLenientJson('{"to":"a","data":[{"content":"x"}]}'), { to: 'a', data: [{ content: 'x' }] });
  });
  it('takes an unquoted key (README example 1)', () => {
    assert.deepEqual(parseLenientJson('{ "to": "testUser", data: { "content": "你好👋" } }'), { to: 'testUser', data: { content: '你好👋' } });
  });
  it('takes trailing commas in objects and arrays (README group example)', () => {
    assert.deepEqual(parseLenientJson('{ "a": [1, 2,], "b": { "c": true, }, }'), { a: [1, 2], b: { c: true } });
  });
  it("takes single-quoted strings (the v1 form's {alias: 'x'})", () => {
    assert.deepEqual(parseLenientJson("{alias: 'Bob \\'B\\''}"), { alias: "Bob 'B'" });
  });
  it('refuses what is not JSON-like: missing commas, bare words, comments, trailing garbage', () => {
    for (const bad of ['{"a": 1 "b": 2}', '{a: b}', '{"a": 1} // c', '{"a": 1} x', '', '[1,,2]', '{,}']) {
      assert.throws(() => parseLenientJson(bad), LenientJsonError, bad);
    }
  });
});

describe("the original's parameter checks", () => {
  it('words each reason as the original and joins them with a full-width comma', () => {
    assert.equal(recipientReasons('', undefined, { content: 'x' }), 'to 不能为空');
    assert.equal(
      recipientReasons(undefined, 'yes', 'text'),
      'to 的参数类型不是 String or Object，isRoom 的参数类型不是 Boolean，data 的参数类型不是 Object or Array',
    );
    assert.equal(recipientReasons(['a'], true, null), 'to 的参数类型不是 String or Object，data 的参数类型不是 Object or Array');
    assert.equal(recipientReasons('a', undefined, []), '');
    assert.equal(itemReasons({ type: 'img', content: '' }), 'type 必须是 text or fileUrl，content 不能为空');
    assert.equal(itemReasons({ content: 5 }), 'content 的参数类型不是 String');
    assert.equal(itemReasons({ content: 'ok' }), '');
    assert.equal(itemReasons({ type: 'fileUrl', content: 'https://x/y.png' }), '');
  });
});

describe('file URLs', () => {
  it('splits comma-separated URLs and takes $alias out of the URL', () => {
    assert.deepEqual(splitFileUrls('https://a.example/x.png?$alias=cat.png, https://b.example/y.pdf?k=1'), [
      { url: 'https://a.example/x.png', alias: 'cat.png' },
      { url: 'https://b.example/y.pdf?k=1' },
    ]);
  });
  it("picks the kind from the extension as the original's puppet did", () => {
    assert.deepEqual(['a.JPG', 'b.jpeg', 'c.png', 'd.bmp', 'e.mp4', 'f.pdf', 'g.mp3', 'noext'].map(kindOfName), [
      'image',
      'image',
      'image',
      'image',
      'video',
      'file',
      'file',
      'file',
    ]);
  });
});

describe('upload file names', () => {
  it('repairs a UTF-8 name read as Latin-1 (issue #71) and leaves proper names alone', () => {
    assert.equal(redecodeFileName(Buffer.from('报告.txt', 'utf8').toString('latin1')), '报告.txt');
    assert.equal(redecodeFileName('报告.txt'), '报告.txt');
    assert.equal(redecodeFileName('café.txt'), 'café.txt');
  });
});

describe('multipart writer', () => {
  it('writes fields in order and a file part any form parser reads back', async () => {
    const { body, contentType } = multipartForm([
      { name: 'source', value: '{"room":{}}' },
      { name: 'type', value: 'file' },
      { name: 'content', file: { name: '照片 "1".png', data: Buffer.from([1, 2, 3]), contentType: 'image/png' } },
    ]);
    const seen: string[] = [];
    let file: { name: string; type: string; data: Buffer } | undefined;
    await new Promise<void>((resolve, reject) => {
      const bb = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8' });
      bb.on('field', (n, v) => seen.push(`${n}=${v}`));
      bb.on('file', (n, s, info) => {
        seen.push(n);
        const chunks: Buffer[] = [];
        s.on('data', (c: Buffer) => chunks.push(c)).on('end', () => (file = { name: info.filename ?? '', type: info.mimeType, data: Buffer.concat(chunks) }));
      });
      bb.on('close', resolve).on('error', reject);
      Readable.from(body).pipe(bb);
    });
    assert.deepEqual(seen, ['source={"room":{}}', 'type=file', 'content']);
    assert.deepEqual(file, { name: '照片 %221%22.png', type: 'image/png', data: Buffer.from([1, 2, 3]) });
  });
});

describe('configuration', () => {
  const base = { DATA_DIR: '/tmp/x' };
  it("reads the original's env names only when the listener is on", () => {
    const off = loadConfig({ ...base, LOGIN_API_TOKEN: 't', RECVD_MSG_API: 'http://x', ACCEPT_RECVD_MSG_MYSELF: 'true' }, { envFile: false });
    assert.equal(off.compat, undefined);
    const on = loadConfig(
      {
        ...base,
        COMPAT_WECHATBOT_WEBHOOK_PORT: '3001',
        LOCAL_LOGIN_API_TOKEN: 'local',
        RECVD_MSG_API: 'http://r/api',
        ACCEPT_RECVD_MSG_MYSELF: 'true',
        DISABLE_AUTO_LOGIN: 'yes',
      },
      { envFile: false },
    );
    assert.deepEqual(on.compat, {
      port: 3001,
      account: undefined,
      token: 'local',
      callbackUrl: 'http://r/api',
      acceptSelf: true,
      // Only the exact value `true` switches it on, as in the original.
      disableAutoLogin: false,
      legacySource: false,
    });
    assert.equal(
      loadConfig({ ...base, COMPAT_WECHATBOT_WEBHOOK_PORT: '3001', LOGIN_API_TOKEN: 'a', LOCAL_LOGIN_API_TOKEN: 'b' }, { envFile: false }).compat?.token,
      'a',
    );
    assert.throws(() => loadConfig({ ...base, COMPAT_WECHATBOT_WEBHOOK_PORT: 'abc' }, { envFile: false }), /COMPAT_WECHATBOT_WEBHOOK_PORT/);
  });
});
