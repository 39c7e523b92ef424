import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { CHECK_UPLOAD_OVER, CHUNK_SIZE } from '../../../src/protocol/media.js';
import { firstFriend, rig, until, type Rig } from './helpers.js';

/** The uploadmediarequest JSON of a recorded multipart body. */
function uploadRequest(body: string): Record<string, unknown> {
  const m = /name="uploadmediarequest"\r\n\r\n([^\r]*)\r\n/.exec(body);
  assert.ok(m, 'uploadmediarequest field present');
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

function sendBody(body: string): { Msg: Record<string, unknown> } {
  return JSON.parse(body) as { Msg: Record<string, unknown> };
}

describe('integration: files over 25 MiB go through webwxcheckupload', () => {
  let r: Rig;
  // 26 MiB of random bytes: above the threshold, 52 chunks of 512 KiB.
  const data = randomBytes(26 * 1024 * 1024);
  const md5 = createHash('md5').update(data).digest('hex');
  before(async () => {
    r = await rig({ contacts: 5, rooms: 1, roomSize: 3 }, {}, { proxy: true });
  });
  after(async () => r?.close());

  it('checkupload → AESKey and Signature in every chunk → Signature in sendappmsg; the file arrives intact', async (t) => {
    assert.ok(data.length > CHECK_UPLOAD_OVER);
    const friend = await firstFriend(r);
    const t0 = Date.now();
    const sent = await r.t.sendFile(friend.id, { name: 'big-archive.zip', data });
    const ms = Date.now() - t0;

    const checks = r.proxy!.of('webwxcheckupload');
    assert.equal(checks.length, 1);
    const ask = JSON.parse(checks[0]!.body) as Record<string, unknown>;
    assert.equal(ask.FileType, 7);
    assert.equal(ask.FileSize, data.length);
    assert.equal(ask.FileMd5, md5);
    assert.equal(ask.FileName, 'big-archive.zip');
    assert.equal(ask.ToUserName, friend.id);
    const answer = JSON.parse(checks[0]!.answer) as { MediaId: string; AESKey: string; Signature: string };
    assert.equal(answer.MediaId, '', 'a new file: no instant upload');
    assert.ok(answer.AESKey && answer.Signature);

    const ups = r.proxy!.of('webwxuploadmedia');
    assert.equal(ups.length, Math.ceil(data.length / CHUNK_SIZE));
    for (const u of ups) {
      const req = uploadRequest(u.body);
      assert.equal(req.AESKey, answer.AESKey);
      assert.equal(req.Signature, answer.Signature);
      assert.equal(req.TotalLen, data.length);
      assert.equal(req.FileMd5, md5);
      assert.equal(u.host, 'file.wx2.qq.com');
    }
    const appmsg = sendBody(r.proxy!.of('webwxsendappmsg').at(-1)!.body).Msg;
    assert.equal(appmsg.Signature, answer.Signature);
    assert.match(String(appmsg.Content), new RegExp(`<totallen>${data.length}</totallen>`));

    // The sandbox has exactly these bytes, and the echo can be downloaded again.
    const out = await r.sb.control.sent();
    const rec = out.messages.find((m) => m.msgId === sent.id);
    assert.equal(rec?.type, 'file');
    const stored = Buffer.from(await (await fetch(`${r.sb.origin}${rec!.media!}`)).arrayBuffer());
    assert.ok(stored.equals(data), 'stored bytes equal the file');
    await until(() => r.messages.some((m) => m.id === sent.id), 5000, 'echo');
    const echo = r.messages.find((m) => m.id === sent.id)!;
    assert.ok((await r.t.download(echo)).equals(data), 'downloaded echo equals the file');
    t.diagnostic(`26 MiB upload (52 chunks) in ${ms} ms`);
  });

  it('the same file again: checkupload answers its MediaId and nothing is uploaded ("instant upload")', async () => {
    const friend = await firstFriend(r, 1);
    const uploadsBefore = r.proxy!.of('webwxuploadmedia').length;
    const sent = await r.t.sendFile(friend.id, { name: 'big-archive.zip', data });
    assert.equal(r.proxy!.of('webwxuploadmedia').length, uploadsBefore, 'no chunk uploaded');
    const check = r.proxy!.of('webwxcheckupload').at(-1)!;
    const answer = JSON.parse(check.answer) as { MediaId: string; Signature: string };
    assert.ok(answer.MediaId, 'the server knew the file');
    const appmsg = sendBody(r.proxy!.of('webwxsendappmsg').at(-1)!.body).Msg;
    assert.match(String(appmsg.Content), new RegExp(`<attachid>${answer.MediaId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</attachid>`));
    assert.equal(appmsg.Signature, answer.Signature);
    const rec = (await r.sb.control.sent()).messages.find((m) => m.msgId === sent.id);
    assert.equal(rec?.type, 'file');
    const stored = Buffer.from(await (await fetch(`${r.sb.origin}${rec!.media!}`)).arrayBuffer());
    assert.ok(stored.equals(data));
  });

  it('a file at the threshold does not call checkupload', async () => {
    const friend = await firstFriend(r);
    const checks = r.proxy!.of('webwxcheckupload').length;
    await r.t.sendFile(friend.id, { name: 'small.bin', data: randomBytes(600_000) });
    assert.equal(r.proxy!.of('webwxcheckupload').length, checks);
  });
});
