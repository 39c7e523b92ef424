import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { avatarUrl } from '../../src/protocol/media.js';
import { isTransportError } from '../../src/transport/errors.js';
import type { Message } from '../../src/transport/model.js';
import { happyRoutes, rawMsg, syncBody, type Reply, type SeenRequest } from './helpers/fake-wechat.js';
import { sessionPerTest, type WebSession } from './helpers/session-per-test.js';
import { waitUntil } from '../../src/testing/wait.js';

const sessions = sessionPerTest();

/** A session whose first sync delivers one video message; `video` answers webwxgetvideo. */
async function withVideo(video: (req: SeenRequest) => Reply): Promise<WebSession & { m: Message }> {
  const routes = happyRoutes();
  let checks = 0;
  routes.synccheck = () =>
    ++checks <= 2 ? { body: 'window.synccheck={retcode:"0",selector:"2"}' } : { body: 'window.synccheck={retcode:"0",selector:"0"}', delayMs: 50 };
  routes.webwxsync = (_r, n) => (n === 2 ? syncBody([rawMsg('7001', '@alice', '', { MsgType: 43, PlayLength: 3 })], 300) : syncBody([], 200 + n));
  routes.webwxgetvideo = video;
  const { fake, transport } = await sessions.open(routes);
  const msgs: Message[] = [];
  transport.on('message', (m) => msgs.push(m));
  await transport.start();
  await waitUntil(() => msgs.length > 0, 5000, 'the video message');
  assert.equal(msgs[0]?.type, 'video');
  return { fake, transport, m: msgs[0]! };
}

function rangeStart(req: SeenRequest): number {
  const m = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
  assert.ok(m, `Range header sent: ${String(req.headers.range)}`);
  return Number(m[1]);
}

describe('download(): ranged video', () => {
  it('206 slices are continued from where they ended until Content-Range total', async () => {
    const file = randomBytes(250_000);
    const { fake, transport, m } = await withVideo((req) => {
      const start = rangeStart(req);
      const end = Math.min(file.length, start + 100_000) - 1;
      return { status: 206, headers: { 'Content-Range': `bytes ${start}-${end}/${file.length}` }, body: file.subarray(start, end + 1) };
    });
    assert.deepEqual(await transport.download(m), file);
    const starts = fake.seen.filter((r) => r.endpoint === 'webwxgetvideo').map(rangeStart);
    assert.deepEqual(starts, [0, 100_000, 200_000]);
  });

  it('a slice from the wrong offset is an error, not a corrupt file', async () => {
    const { transport, m } = await withVideo(() => ({ status: 206, headers: { 'Content-Range': 'bytes 5-9/100' }, body: Buffer.alloc(5, 1) }));
    await assert.rejects(transport.download(m), (e: unknown) => isTransportError(e) && e.kind === 'network' && /slice from 5/.test(e.message));
  });

  it('200 with 0 bytes (video without Range, stale skey) → TransportError', async () => {
    const { transport, m } = await withVideo(() => ({ status: 200, body: '' }));
    await assert.rejects(transport.download(m), (e: unknown) => isTransportError(e) && e.kind === 'server' && /webwxgetvideo: 0 bytes/.test(e.message));
  });

  it('HTTP 416 / 503 are errors of the right kind', async () => {
    let status = 416;
    const { transport, m } = await withVideo(() => ({ status, body: '' }));
    await assert.rejects(transport.download(m), (e: unknown) => isTransportError(e) && e.kind === 'server' && /HTTP 416/.test(e.message));
    status = 503;
    await assert.rejects(transport.download(m), (e: unknown) => isTransportError(e) && e.kind === 'network' && e.retryable);
  });
});

describe('avatarUrl()', () => {
  it('replaces the skey of a HeadImgUrl, keeps the rest', () => {
    const u = new URL(avatarUrl('wx2.qq.com', '/cgi-bin/mmwebwx-bin/webwxgeticon?seq=620802813&username=@abc&skey=@crypt_old', '@crypt_new'));
    assert.equal(u.host, 'wx2.qq.com');
    assert.equal(u.pathname, '/cgi-bin/mmwebwx-bin/webwxgeticon');
    assert.equal(u.searchParams.get('seq'), '620802813');
    assert.equal(u.searchParams.get('username'), '@abc');
    assert.equal(u.searchParams.get('skey'), '@crypt_new');
  });

  it('adds the current skey to a stored path (the directory keeps none)', () => {
    assert.equal(
      avatarUrl('wx.qq.com', '/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=0&username=@@r', '@crypt_x'),
      'https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxgetheadimg?seq=0&username=%40%40r&skey=%40crypt_x',
    );
  });
});
