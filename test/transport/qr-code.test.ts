// The QR a transport announces draws its PNG only when first read, and draws the same image as
// qrcode's own toDataURL (the panel, the API and the compat login page show it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import QRCode from 'qrcode';
import { newQrCode, qrPngDataUrl } from '../../src/transport/qr-code.js';

const require = createRequire(import.meta.url);
const { PNG } = createRequire(require.resolve('qrcode'))('pngjs') as { PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer } } } };
const pixels = (dataUrl: string) => {
  assert.match(dataUrl, /^data:image\/png;base64,/);
  return PNG.sync.read(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
};

describe('newQrCode', () => {
  it('draws the same pixels as QRCode.toDataURL(text, { margin: 1 })', async () => {
    for (const text of ['https://login.weixin.qq.com/l/4dcaWx3uBw==', 'https://liteapp.weixin.qq.com/q/7GiQu1?qrcode=0123456789abcdef&bot_type=3']) {
      const ours = pixels(qrPngDataUrl(text));
      const theirs = pixels(await QRCode.toDataURL(text, { margin: 1 }));
      assert.equal(ours.width, theirs.width);
      assert.equal(ours.height, theirs.height);
      assert.ok(ours.data.equals(theirs.data), `the pixels of ${text}`);
    }
  });

  it('has text, id and time at once and its PNG when read, once, in JSON and spreads too', () => {
    const qr = newQrCode('https://login.weixin.qq.com/l/abc', 'abc', 1234);
    assert.deepEqual([qr.text, qr.id, qr.createdAt], ['https://login.weixin.qq.com/l/abc', 'abc', 1234]);
    const first = qr.dataUrl;
    assert.equal(qr.dataUrl, first, 'drawn once');
    const json = JSON.parse(JSON.stringify(qr)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).sort(), ['createdAt', 'dataUrl', 'id', 'text']);
    assert.equal(json.dataUrl, first);
    assert.equal({ ...qr }.dataUrl, first);
  });
});
