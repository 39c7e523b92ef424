/**
 * What `weiroto start` prints for a person at the terminal: where the panel is, the first-run setup
 * link, and what to do next; and the caption under a terminal QR code. The demo has its own banner
 * (demo-accounts.ts); logs stay machine-readable, these go to stdout as plain text.
 */
import type { TransportKind } from './transport/capabilities.js';

export interface StartBannerInput {
  panelUrl: string;
  /** The first-run link with its one-time code (no administrator yet). */
  setupUrl?: string;
  /** WeChat is reached through WECHAT_ENDPOINT (a sandbox or a relay) rather than directly. */
  wechatEndpoint?: string;
  transport: TransportKind;
}

/** @example process.stdout.write(startBanner({ panelUrl: 'http://127.0.0.1:3000', transport: 'web' })); */
export function startBanner(o: StartBannerInput): string {
  const lines = [``, `  weiroto panel:  ${o.panelUrl}`];
  if (o.setupUrl) lines.push(`  first run:      ${o.setupUrl}  (creates the administrator; the code works once)`);
  if (o.wechatEndpoint) lines.push(`  WeChat via:     ${o.wechatEndpoint}`);
  lines.push(
    ``,
    `  What to do:`,
    o.setupUrl ? `    1. Open the first-run link above and choose the administrator's password.` : `    1. Open the panel and sign in.`,
    o.transport === 'ilink'
      ? `    2. Accounts → your account shows a QR code: open it in WeChat (8.0.69 or newer) on the phone that owns the bot, and confirm.`
      : `    2. Accounts → your account shows a QR code: scan it with WeChat on your phone (+ → Scan) and confirm the login on the phone.`,
    `    3. If WeChat cannot be reached, the account page says why (network, DNS, proxy, certificate) and retries by itself; Retry tries at once.`,
    ``,
  );
  return lines.join('\n') + '\n';
}

/** The line under a QR code printed in the terminal. */
export function qrCaption(kind: TransportKind, loginPage: string | undefined): string {
  const how =
    kind === 'ilink'
      ? 'Open this QR code in WeChat on the phone that will own the bot, then confirm on the phone.'
      : 'Scan this QR code with WeChat on your phone (+ → Scan), then confirm the login on the phone.';
  const where = loginPage
    ? ` A new code replaces it when it expires; the panel shows the current one at ${loginPage}`
    : ' A new code replaces it when it expires.';
  return `  ${how}${where}\n`;
}
