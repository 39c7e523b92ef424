/**
 * A QR to scan, as a transport announces it: its text at once, its PNG only when something first
 * reads `dataUrl` (the panel's login page, the API, the compat login page). qrcode and pngjs load
 * then: a bot waiting for its scan in a terminal, or whose owner has not opened the panel yet,
 * never carries them, and a QR that expires unseen is never drawn.
 */
import { createRequire } from 'node:module';
import type QRCodeLib from 'qrcode';
import { requireLater } from '../util/require-later.js';
import type { QrCode } from './transport.js';

/** qrcode's own PNG renderer (lib/renderer/png.js, untyped): the pixels of a QR, ready to encode. */
interface PngRenderer {
  render(qr: QRCodeLib.QRCode, options: QRCodeLib.QRCodeRenderersOptions): unknown;
}
interface PngJs {
  PNG: { sync: { write(png: unknown): Buffer } };
}

const qrcode = requireLater<typeof QRCodeLib>('qrcode');
const pngRenderer = requireLater<PngRenderer>('qrcode/lib/renderer/png.js');
// pngjs as qrcode itself resolves it (qrcode's dependency, not ours).
const pngjs = (): PngJs => createRequire(createRequire(import.meta.url).resolve('qrcode'))('pngjs') as PngJs;

/** The PNG data URL of a QR holding `text` (a one-module quiet zone, as the panel shows it). */
export function qrPngDataUrl(text: string): string {
  const pixels = pngRenderer().render(qrcode().create(text), { margin: 1 });
  return `data:image/png;base64,${pngjs().PNG.sync.write(pixels).toString('base64')}`;
}

/** @example bot.emit('qr', newQrCode('https://login.weixin.qq.com/l/abc', 'abc', clock.now())) */
export function newQrCode(text: string, id: string, createdAt: number): QrCode {
  let png: string | undefined;
  return {
    text,
    // An enumerable getter: JSON (the API's account info) and spreads read it like a field.
    get dataUrl() {
      return (png ??= qrPngDataUrl(text));
    },
    id,
    createdAt,
  };
}
