/**
 * Login endpoints (protocol.md §4): jslogin, the QR image and payload, the held login poll,
 * webwxnewloginpage (XML + cookies, 301 in desktop mode, 1203 when barred), push login and logout.
 */
import QRCode from 'qrcode';
import { jsloginBody, loginPageXml, loginPollBody } from './format.js';
import { familyHosts } from './hosts.js';
import { authenticate, sendJs, sendJson, type WxCtx } from './http.js';
import { SAMPLE_JPEG } from './media.js';
import type { Qr } from './state.js';
import { texts } from './texts.js';

const AVATAR = `data:img/jpg;base64,${SAMPLE_JPEG.toString('base64')}`;

/** `GET|POST /jslogin` (§4.1). */
export function jslogin(c: WxCtx): void {
  const redirect = c.query.redirect_uri ?? '';
  const desktop = /mod=desktop/.test(redirect) || /mod%3Ddesktop/i.test(redirect);
  const qr = c.st.createQr(desktop, c.lang);
  sendJs(c, jsloginBody(200, qr.uuid));
}

/** `GET /qrcode/<uuid>`: a real PNG QR whose text is the `/l/<uuid>` payload (§4.2). */
export async function qrcodeImage(c: WxCtx): Promise<void> {
  const uuid = c.koa.path.slice('/qrcode/'.length);
  const png = await QRCode.toBuffer(`https://login.weixin.qq.com/l/${uuid}`, { type: 'png', margin: 1, width: 240 });
  c.koa.status = 200;
  c.koa.set('Content-Type', 'image/png');
  c.koa.body = png;
}

/** `GET /l/<uuid>`: what a phone would open; points a person to the phone page. */
export function qrPayload(c: WxCtx): void {
  const uuid = decodeURIComponent(c.koa.path.slice('/l/'.length));
  const known = c.st.qrs.has(uuid);
  c.koa.status = known ? 200 : 404;
  c.koa.type = 'text/html; charset=utf-8';
  const safe = uuid.replace(/[^A-Za-z0-9=_-]/g, '');
  c.koa.body = `<!doctype html><meta charset="utf-8"><title>WeChat sandbox</title><p>${known ? 'QR code' : 'Unknown QR code'} ${safe}. Scan it from the <a href="/sandbox?uuid=${encodeURIComponent(safe)}">sandbox phone page</a>.</p>`;
}

function redirectUri(c: WxCtx, qr: Qr): string {
  const account = qr.account;
  const web = familyHosts(account ? account.family : c.st.opts.family).web;
  const scan = Math.floor(c.st.now() / 1000);
  return `https://${web}/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=${qr.ticket ?? ''}&uuid=${qr.uuid}&lang=${qr.lang}&scan=${scan}`;
}

/** `GET /cgi-bin/mmwebwx-bin/login`: the held scan-state poll (§4.3, §15 #4–#9). */
export async function loginPoll(c: WxCtx): Promise<void> {
  const st = c.st;
  const qr = st.qrs.get(c.query.uuid ?? '');
  if (!qr) return sendJs(c, loginPollBody(400));
  const tip = c.query.tip === '1';
  const answer = (): string | null => {
    const status = st.qrStatus(qr);
    if (status === 'expired' || status === 'used') return loginPollBody(400);
    if (status === 'cancelled') return loginPollBody(202);
    if (status === 'confirmed') return loginPollBody(200, { redirectUri: redirectUri(c, qr) });
    if (status === 'scanned' && (!qr.told201 || tip)) {
      qr.told201 = true;
      return loginPollBody(201, { avatar: AVATAR });
    }
    return null;
  };
  const now = answer();
  if (now !== null || st.closed) return sendJs(c, now ?? loginPollBody(408));
  const body = await new Promise<string | null>((resolve) => {
    let done = false;
    const finish = (v: string | null): void => {
      if (done) return;
      done = true;
      qr.waiters.delete(onChange);
      st.cancelTimer(timer);
      c.koa.res.off('close', onClose);
      resolve(v);
    };
    const onChange = (): void => {
      const a = answer();
      if (a !== null || st.closed) finish(a ?? loginPollBody(408));
    };
    const onClose = (): void => finish(null);
    // Expiry during the hold is a state change like a scan (the QR's expiry timer wakes this poll), so it answers 400 at
    // expiry; the end of the hold only ever means "nothing happened" (408).
    const timer = st.later(st.opts.holdMs, () => finish(answer() ?? loginPollBody(408)));
    qr.waiters.add(onChange);
    c.koa.res.once('close', onClose);
  });
  if (body === null) {
    c.koa.respond = false; // the client went away
    return;
  }
  sendJs(c, body);
}

function cookieLine(name: string, value: string, domain: string, expires: Date): string {
  return `${name}=${value}; Domain=${domain}; Path=/; Expires=${expires.toUTCString()}`;
}

/** `GET webwxnewloginpage` (§4.4, §15 #10–#12). */
export function newLoginPage(c: WxCtx): void {
  const st = c.st;
  const qr = st.qrs.get(c.query.uuid ?? '');
  const lang = c.lang;
  const xml = (text: string, status = 200): void => {
    c.koa.status = status;
    c.koa.set('Content-Type', 'text/plain');
    c.koa.body = text;
  };
  if (!qr || !qr.account || qr.status !== 'confirmed' || !qr.ticket || qr.ticket !== c.query.ticket) {
    return xml(loginPageXml(1, texts.ticketUsed(lang)));
  }
  const account = qr.account;
  if (c.host?.family && c.host.family !== account.family) return xml(loginPageXml(1, texts.ticketUsed(lang)));
  const h = c.koa.headers;
  const desktopHeaders = Boolean(h['client-version'] && h.extspam);
  const desktop = qr.desktop || c.query.mod === 'desktop' || desktopHeaders;
  if (account.barred && !(desktop && desktopHeaders)) return xml(loginPageXml(1203, texts.barred(lang)));
  const s = st.startSession(qr, lang);
  const domain = familyHosts(account.family).cookieDomain;
  const exp = new Date(st.now() + 24 * 3600 * 1000);
  const longExp = new Date(st.now() + 30 * 24 * 3600 * 1000);
  c.koa.append('Set-Cookie', [
    cookieLine('wxuin', String(s.uin), domain, exp),
    cookieLine('wxsid', s.sid, domain, exp),
    cookieLine('wxloadtime', String(Math.floor(st.now() / 1000)), domain, exp),
    cookieLine('mm_lang', lang, domain, exp),
    cookieLine('webwx_data_ticket', s.dataTicket, domain, exp),
    cookieLine('webwxuvid', account.uvid ?? '', domain, longExp),
    cookieLine('webwx_auth_ticket', account.authTicket ?? '', domain, longExp),
  ]);
  const body = loginPageXml(0, '', { skey: s.skey, wxsid: s.sid, wxuin: String(s.uin), passTicket: s.passTicket });
  // Desktop mode: 301 without Location, body and cookies intact (§4.4).
  xml(body, desktop && st.opts.desktop301 ? 301 : 200);
}

/** `GET webwxpushloginurl?uin=` (§4.5, §15 #48). */
export function pushLoginUrl(c: WxCtx): void {
  const st = c.st;
  const uin = c.query.uin ?? c.cookies.wxuin;
  const account = st.accounts.find((a) => String(a.uin) === uin);
  const ok =
    account &&
    c.cookies.wxuin === String(account.uin) &&
    account.authTicket !== undefined &&
    c.cookies.webwx_auth_ticket === account.authTicket &&
    c.cookies.webwxuvid === account.uvid;
  if (!ok) return sendJson(c, { ret: '1', msg: 'args error' });
  if (st.opts.pushLoginRet === '2') return sendJson(c, { ret: '2', msg: 'antispam' });
  if (st.opts.pushLoginRet === '3') return sendJson(c, { ret: '3', msg: 'device authinfo invalid' });
  const qr = st.createQr(c.query.mod === 'desktop', c.lang, account);
  sendJson(c, { ret: '0', msg: 'all ok', uuid: qr.uuid });
}

/** `webwxlogout` (§5.7): the session ends; later calls get 1100. */
export function logout(c: WxCtx): void {
  const a = authenticate(c);
  if (a.ok) c.st.endSession(a.s, 1100);
  c.koa.status = 200;
  c.koa.set('Content-Type', 'text/html');
  c.koa.body = '';
}
