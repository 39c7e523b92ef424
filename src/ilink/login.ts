/**
 * Binding by QR (ilink.md §3): create a QR on the login host, poll its status until it is
 * confirmed. Every status has its reaction: `scaned` shows "scanned" once, `need_verifycode` asks
 * for the digits the phone shows (typed in the panel, sent with the next poll at once),
 * `verify_code_blocked` and `expired` start a new QR (at most `maxQrCodes`), `scaned_but_redirect`
 * moves the poll to the host named, `binded_redirect` means this WeChat user's bot is already bound
 * here, `confirmed` yields the token. A timeout or a failed poll counts as `wait`.
 */
import { TransportError } from '../transport/errors.js';
import type { QrCode } from '../transport/transport.js';
import { newQrCode } from '../transport/qr-code.js';
import type { Clock } from '../util/clock.js';
import { joinUrl, type IlinkHttp } from './http.js';
import type { WireQrCode, WireQrStatus } from './wire.js';

export interface Credentials {
  token: string;
  botId: string;
  /** The WeChat user who scanned (the bot's owner), as the wire spells it. */
  userId: string;
  baseUrl: string;
}

export interface QrLoginTuning {
  /** New QR codes per attempt (official: 3). */
  maxQrCodes: number;
  /** Give up after this long (official: 480 s). */
  deadlineMs: number;
  /** Pause between polls (official: 1 s). */
  pollIntervalMs: number;
  /** Client timeout of one status poll (official: 35 s). */
  statusTimeoutMs: number;
  /** Timeout of the QR creation. */
  createTimeoutMs: number;
}

export const DEFAULT_QR_TUNING: QrLoginTuning = { maxQrCodes: 3, deadlineMs: 480_000, pollIntervalMs: 1000, statusTimeoutMs: 35_000, createTimeoutMs: 15_000 };

export interface QrLoginDeps {
  http: IlinkHttp;
  /** The login host (always the configured iLink origin). */
  loginBase: string;
  /** Where the API goes when `confirmed` names no `baseurl`. */
  defaultBaseUrl: string;
  clock: Clock;
  tuning: QrLoginTuning;
  /** Tokens this installation holds (newest first, ≤ 10) so the server can say `binded_redirect`. */
  localTokens?: string[];
  onQr(qr: QrCode): void;
  onScanned(): void;
  onVerifyCode(qrId: string, retry: boolean): void;
  signal?: AbortSignal;
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

export class QrLogin {
  private pendingCode: string | undefined;
  /** The code was sent with a poll; the next answer says whether it was right. */
  private codeSent = false;
  private wake: AbortController | undefined;

  constructor(private readonly d: QrLoginDeps) {}

  /** The digits the phone shows; the next poll carries them (at once). */
  submitCode(code: string): void {
    const digits = code.trim();
    if (!/^\d{1,12}$/.test(digits)) throw new TransportError('invalid', 'The verification code is the digits the phone shows.');
    this.pendingCode = digits;
    this.codeSent = false;
    this.wake?.abort();
  }

  async run(): Promise<Credentials> {
    const { clock, tuning } = this.d;
    const deadline = clock.now() + tuning.deadlineMs;
    for (let n = 1; n <= tuning.maxQrCodes; n++) {
      const qr = await this.createQr();
      const outcome = await this.pollQr(qr, deadline);
      if (typeof outcome === 'object') return outcome;
      if (outcome === 'deadline') break;
    }
    throw new TransportError('invalid', `iLink login: no QR code was confirmed (${tuning.maxQrCodes} codes, ${Math.round(tuning.deadlineMs / 1000)} s)`);
  }

  private async createQr(): Promise<string> {
    const { http, loginBase, tuning, signal } = this.d;
    const ans = await http.post<WireQrCode>(
      loginBase,
      'ilink/bot/get_bot_qrcode?bot_type=3',
      { local_token_list: (this.d.localTokens ?? []).slice(0, 10) },
      { timeoutMs: tuning.createTimeoutMs, auth: false, baseInfo: false, ...(signal && { signal }) },
    );
    const qrcode = ans.empty ? undefined : ans.body.qrcode;
    const url = ans.empty ? undefined : ans.body.qrcode_img_content;
    if (!qrcode || !url) throw new TransportError('network', 'iLink get_bot_qrcode: no QR in the answer');
    this.pendingCode = undefined;
    this.codeSent = false;
    // The QR encodes the URL (the phone opens it), not the id.
    this.d.onQr(newQrCode(url, qrcode, this.d.clock.now()));
    return qrcode;
  }

  /** Poll one QR: credentials, 'new-qr' (expired or blocked) or 'deadline'. */
  private async pollQr(qrcode: string, deadline: number): Promise<Credentials | 'new-qr' | 'deadline'> {
    const { clock, tuning } = this.d;
    let pollBase = this.d.loginBase;
    let scanned = false;
    let askedForCode = false;
    while (clock.now() < deadline) {
      this.d.signal?.throwIfAborted();
      const code = this.pendingCode;
      const st = await this.status(pollBase, qrcode, code);
      if (code !== undefined) this.codeSent = true;
      switch (st.status) {
        case 'scaned':
          if (this.codeSent) this.pendingCode = undefined;
          this.codeSent = false;
          if (!scanned) this.d.onScanned();
          scanned = true;
          break;
        case 'need_verifycode':
          if (this.codeSent) {
            // The code we sent was wrong: ask again.
            this.pendingCode = undefined;
            this.codeSent = false;
            this.d.onVerifyCode(qrcode, true);
          } else if (!askedForCode) this.d.onVerifyCode(qrcode, false);
          askedForCode = true;
          break;
        case 'verify_code_blocked':
        case 'expired':
          return 'new-qr';
        case 'scaned_but_redirect':
          if (st.redirect_host && HOST.test(st.redirect_host)) pollBase = `${new URL(this.d.loginBase).protocol}//${st.redirect_host}`;
          break;
        case 'binded_redirect':
          throw new TransportError(
            'login-refused',
            'iLink: this WeChat user is already bound to a bot in this installation; use that account instead of adding a new one',
          );
        case 'confirmed': {
          if (!st.ilink_bot_id || !st.bot_token) throw new TransportError('login-refused', 'iLink login: confirmed without a bot id or token');
          return { token: st.bot_token, botId: st.ilink_bot_id, userId: st.ilink_user_id ?? '', baseUrl: st.baseurl || this.d.defaultBaseUrl };
        }
        default:
          break;
      }
      // Straight after a code was typed, poll at once; otherwise pause (a typed code cuts it short).
      if (this.pendingCode !== undefined && !this.codeSent) continue;
      await this.pause(tuning.pollIntervalMs);
    }
    return 'deadline';
  }

  private async status(base: string, qrcode: string, code: string | undefined): Promise<WireQrStatus> {
    const path = 'ilink/bot/get_qrcode_status';
    const url = `${joinUrl(base, path)}?qrcode=${encodeURIComponent(qrcode)}${code !== undefined ? `&verify_code=${encodeURIComponent(code)}` : ''}`;
    try {
      const ans = await this.d.http.get<WireQrStatus>(url, path, { timeoutMs: this.d.tuning.statusTimeoutMs, ...(this.d.signal && { signal: this.d.signal }) });
      return ans.empty ? { status: 'wait' } : ans.body;
    } catch (e) {
      if (this.d.signal?.aborted) throw e;
      // Timeouts, resets and non-2xx (e.g. 524) are "no news yet", as in the official client.
      return { status: 'wait' };
    }
  }

  private async pause(ms: number): Promise<void> {
    const wake = (this.wake = new AbortController());
    const signal = this.d.signal ? AbortSignal.any([this.d.signal, wake.signal]) : wake.signal;
    try {
      await this.d.clock.sleep(ms, signal);
    } catch (e) {
      if (this.d.signal?.aborted) throw e;
    } finally {
      this.wake = undefined;
    }
  }
}
