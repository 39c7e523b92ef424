/**
 * A QR code drawn on the terminal (`weiroto start` on a TTY). qrcode-terminal is loaded on the first
 * QR printed: a server whose output is a log file or a pipe never needs it.
 */
import { createRequire } from 'node:module';
import type QrcodeTerminal from 'qrcode-terminal';

let qrcodeTerminal: typeof QrcodeTerminal | undefined;

/** @example printTerminalQr('https://login.weixin.qq.com/l/abc'); */
export function printTerminalQr(text: string): void {
  qrcodeTerminal ??= createRequire(import.meta.url)('qrcode-terminal') as typeof QrcodeTerminal;
  qrcodeTerminal.generate(text, { small: true });
}
