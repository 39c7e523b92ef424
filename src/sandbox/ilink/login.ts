/**
 * Binding by QR (ilink.md §3, §9 B): `get_bot_qrcode`, `get_qrcode_status` with every status, and
 * what the owner's phone does (scan, confirm, cancel) for the control API and the phone page.
 */
import { randDigits } from '../ids.js';
import { SandboxError } from '../state.js';
import { newQrcodeId } from './ids.js';
import type { QrCode } from './model.js';
import type { IlinkState } from './state.js';
import { apiOrigin, sendWire, type IlinkCtx, type Json } from './wire.js';

const OPEN: readonly QrCode['status'][] = ['wait', 'scaned', 'need_verifycode'];

/** The status a QR has now (expiry is on the iLink clock). */
export function qrStatus(st: IlinkState, q: QrCode): QrCode['status'] | 'expired' {
  if (OPEN.includes(q.status) && st.now() >= q.expiresAt) return 'expired';
  return q.status;
}

function changed(q: QrCode): void {
  for (const w of [...q.waiters]) w();
}

/** `POST|GET ilink/bot/get_bot_qrcode?bot_type=3` (§3.1). */
export function getBotQrcode(c: IlinkCtx): void {
  const st = c.st;
  const botType = String(c.koa.query.bot_type ?? '');
  if (botType !== '3' && st.opts.botType === '400') {
    c.koa.status = 400;
    c.koa.body = 'bad bot_type';
    return;
  }
  const list = c.body?.local_token_list;
  const localTokens = Array.isArray(list) ? list.filter((t): t is string => typeof t === 'string').slice(0, 10) : [];
  const now = st.now();
  const q: QrCode = {
    id: newQrcodeId(st.rand),
    createdAt: now,
    expiresAt: now + st.opts.qrLifetimeMs,
    status: 'wait',
    wrongCodes: 0,
    localTokens,
    redirectTold: false,
    waiters: new Set(),
  };
  st.qrs.set(q.id, q);
  st.count('qrCodes');
  if (st.qrs.size > 2000) for (const [k, old] of st.qrs) if (st.qrs.size > 1500 && qrStatus(st, old) !== 'wait') st.qrs.delete(k);
  if (st.opts.autoConfirmMs !== undefined) st.later(st.opts.autoConfirmMs, () => void tryAutoConfirm(st, q));
  const origin = st.origin || apiOrigin(c);
  sendWire(c, { qrcode: q.id, qrcode_img_content: `${origin}/sandbox/ilink?qrcode=${q.id}` });
}

function tryAutoConfirm(st: IlinkState, q: QrCode): void {
  try {
    if (qrStatus(st, q) === 'wait' || qrStatus(st, q) === 'scaned') confirm(st, q.id);
  } catch {
    // The QR moved on (expired, cancelled, verify code asked): the phone would not confirm either.
  }
}

/** The answer body for a QR as seen from `hostRole`. */
function statusBody(c: IlinkCtx, q: QrCode): Json {
  const st = c.st;
  const status = qrStatus(st, q);
  if (st.opts.redirect !== 'off' && c.hostRole !== 'redirect' && status !== 'wait' && status !== 'expired') {
    if (!q.redirectTold || st.opts.redirect === 'same') {
      q.redirectTold = true;
      return { status: 'scaned_but_redirect', redirect_host: st.opts.redirectHost };
    }
    return { status: 'wait' };
  }
  if (status !== 'confirmed') return { status };
  const bot = st.bots.get(q.botId ?? '');
  if (!bot) return { status: 'wait' };
  const body: Json = { status, bot_token: bot.token, ilink_bot_id: bot.id, ilink_user_id: bot.userId };
  if (st.opts.baseUrl === 'same') body.baseurl = apiOrigin(c);
  else if (st.opts.baseUrl === 'other') body.baseurl = otherOrigin(c);
  return body;
}

/** Another spelling of the same server: the redirect host in TLS mode, else localhost ↔ 127.0.0.1. */
function otherOrigin(c: IlinkCtx): string {
  const own = apiOrigin(c);
  if (own.startsWith('https://') && !/:\d+$/.test(own)) return `https://${c.st.opts.redirectHost}`;
  const u = new URL(own);
  u.hostname = u.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  return u.origin;
}

/** `GET ilink/bot/get_qrcode_status?qrcode=…[&verify_code=…]` (§3.2). */
export async function getQrcodeStatus(c: IlinkCtx): Promise<void> {
  const st = c.st;
  const q = st.qrs.get(String(c.koa.query.qrcode ?? ''));
  if (!q) {
    sendWire(c, { status: 'expired' });
    return;
  }
  const code = typeof c.koa.query.verify_code === 'string' ? c.koa.query.verify_code : undefined;
  let submitted = false;
  if (code !== undefined && q.status === 'need_verifycode' && qrStatus(st, q) === 'need_verifycode') {
    submitted = true;
    if (code === q.verifyCode) {
      q.status = 'scaned';
      delete q.verifyCode;
    } else {
      q.wrongCodes += 1;
      if (q.wrongCodes >= st.opts.verifyAttempts) {
        q.status = 'verify_code_blocked';
        delete q.verifyCode;
      }
    }
    changed(q);
  }
  const hold = st.opts.qrStatusHoldMs;
  const first = statusBody(c, q);
  if (hold > 0 && !submitted && (first.status === 'wait' || first.status === 'scaned' || first.status === 'need_verifycode') && !st.closed) {
    const before = JSON.stringify(first);
    await new Promise<void>((resolve) => {
      const done = (): void => {
        st.cancel(t);
        q.waiters.delete(done);
        resolve();
      };
      const t = st.later(hold, done);
      q.waiters.add(done);
      c.koa.res.once('close', done);
    });
    const after = statusBody(c, q);
    sendWire(c, JSON.stringify(after) === before ? first : after);
    return;
  }
  sendWire(c, first);
}

/** The given QR (an id or the link in `qrcode_img_content`), or the newest one in `states`. */
function pick(st: IlinkState, ref: string | undefined, states: readonly string[]): QrCode {
  if (ref) {
    const m = /[?&]qrcode=([0-9a-f]+)/.exec(ref);
    const q = st.qrs.get(m ? (m[1] as string) : ref);
    if (!q) throw new SandboxError(404, `no iLink QR ${ref}`);
    return q;
  }
  let best: QrCode | undefined;
  for (const q of st.qrs.values()) if (states.includes(qrStatus(st, q))) best = q;
  if (!best) throw new SandboxError(404, `no iLink QR code in state ${states.join(' or ')}`);
  return best;
}

/** The owner's phone scans; with `verify` (or the `verifyCode` option) the phone shows digits. */
export function scan(st: IlinkState, ref?: string, userRef?: string, verify?: boolean): QrCode {
  const q = pick(st, ref, ['wait']);
  const status = qrStatus(st, q);
  if (status !== 'wait') throw new SandboxError(409, `iLink QR ${q.id} is ${status}, not wait`);
  q.userId = st.user(userRef).id;
  if (verify ?? st.opts.verifyCode) {
    q.status = 'need_verifycode';
    q.verifyCode = randDigits(st.rand, 6);
  } else q.status = 'scaned';
  changed(q);
  return q;
}

/** The owner confirms (scanning first when needed): binds a new bot, or `binded_redirect` (§9.12). */
export function confirm(st: IlinkState, ref?: string, userRef?: string): QrCode {
  const q = pick(st, ref, ['wait', 'scaned', 'need_verifycode']);
  if (qrStatus(st, q) === 'wait') scan(st, q.id, userRef, false);
  const status = qrStatus(st, q);
  if (status === 'confirmed' || status === 'binded_redirect') return q;
  if (status === 'need_verifycode') throw new SandboxError(409, `iLink QR ${q.id} waits for the verify code ${q.verifyCode ?? ''} to be typed into the client`);
  if (status !== 'scaned') throw new SandboxError(409, `iLink QR ${q.id} is ${status}, not scanned`);
  const user = st.user(q.userId);
  const already = q.localTokens.map((t) => st.byToken.get(t)).find((b) => b && st.alive(b) && b.userId === user.id);
  if (already) {
    q.status = 'binded_redirect';
    q.botId = already.id;
  } else {
    q.status = 'confirmed';
    q.botId = st.bind(user).id;
  }
  changed(q);
  return q;
}

/** The owner backs out on the phone: the QR can be scanned again. */
export function cancel(st: IlinkState, ref?: string): QrCode {
  const q = pick(st, ref, ['scaned', 'need_verifycode']);
  q.status = 'wait';
  delete q.userId;
  delete q.verifyCode;
  changed(q);
  return q;
}

export function qrView(st: IlinkState, q: QrCode): Json {
  return {
    qrcode: q.id,
    status: qrStatus(st, q),
    user: q.userId ?? null,
    verifyCode: q.verifyCode ?? null,
    wrongCodes: q.wrongCodes,
    expiresAt: q.expiresAt,
    bot: q.botId ?? null,
    redirectTold: q.redirectTold,
  };
}
