/**
 * A QR code drawn on the terminal (`weiroto start` on a TTY). qrcode-terminal is loaded on the first
 * QR printed: a server whose output is a log file or a pipe never needs it.
 */
import type QrcodeTerminal from 'qrcode-terminal';
import { requireLater } from './require-later.js';

const qrcodeTerminal = requireLater<typeof QrcodeTerminal>('qrcode-terminal');

/** @example printTerminalQr('https://login.weixin.qq.com/l/abc'); */
export function printTerminalQr(text: string): void {
  qrcodeTerminal().generate(text, { small: true });
}
