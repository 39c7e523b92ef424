/**
 * The Koa application of the sandbox: WeChat endpoints by path (any host family on one listener),
 * the fault injector in front of them, the control API under /sandbox/api and the phone page.
 */
import Koa from 'koa';
import type { Logger } from '../logger.js';
import { controlRoutes } from './control.js';
import { controlGuard } from './control-guard.js';
import { isClientGone } from '../http/request-errors.js';
import { makeCtx, type WxCtx } from './http.js';
import { phonePage } from './phone-page.js';
import { jslogin, loginPoll, logout, newLoginPage, pushLoginUrl, qrPayload, qrcodeImage } from './routes-login.js';
import { checkUpload, getHeadImg, getMedia, getMsgImg, getVideo, getVoice, getIcon, preview, uploadMedia } from './routes-media.js';
import { createChatroom, oplog, searchContact, statReport, updateChatroom, verifyUser } from './routes-contacts.js';
import { revoke, sendApp, sendEmoticon, sendImage, sendText, sendVideo } from './routes-send.js';
import { batchGetContact, getContact, statusNotify, syncCheck, webwxinit, webwxsync } from './routes-session.js';
import { synccheckBody } from './format.js';
import { baseResponse, sendJs, sendJson } from './http.js';
import type { SandboxState } from './state.js';
import { ilinkControlRoutes } from './ilink/control.js';
import { isIlinkRequest, ilinkRoutes } from './ilink/routes.js';
import type { IlinkState } from './ilink/state.js';

type Handler = (c: WxCtx) => void | Promise<void>;

const CGI: Record<string, Handler> = {
  login: loginPoll,
  webwxnewloginpage: newLoginPage,
  webwxpushloginurl: pushLoginUrl,
  webwxinit,
  webwxstatusnotify: statusNotify,
  webwxgetcontact: getContact,
  webwxbatchgetcontact: batchGetContact,
  synccheck: syncCheck,
  webwxsync,
  webwxlogout: logout,
  webwxsendmsg: sendText,
  webwxsendmsgimg: sendImage,
  webwxsendvideomsg: sendVideo,
  webwxsendappmsg: sendApp,
  webwxsendemoticon: sendEmoticon,
  webwxrevokemsg: revoke,
  webwxuploadmedia: uploadMedia,
  webwxcheckupload: checkUpload,
  webwxgetmsgimg: getMsgImg,
  webwxgetvoice: getVoice,
  webwxgetvideo: getVideo,
  webwxgetmedia: getMedia,
  webwxgeticon: getIcon,
  webwxgetheadimg: getHeadImg,
  webwxpreview: preview,
  webwxverifyuser: verifyUser,
  webwxoplog: oplog,
  webwxcreatechatroom: createChatroom,
  webwxupdatechatroom: updateChatroom,
  webwxsearchcontact: searchContact,
  webwxstatreport: statReport,
};

function handlerFor(path: string): Handler | undefined {
  if (path === '/jslogin' || path === '/cgi-bin/mmwebwx-bin/jslogin') return jslogin;
  if (path.startsWith('/qrcode/')) return qrcodeImage;
  if (path.startsWith('/l/')) return qrPayload;
  const m = /^\/cgi-bin\/mmwebwx-bin\/([a-z]+)$/.exec(path);
  return m ? CGI[m[1] as string] : undefined;
}

/** Apply an injected fault; true when the request has been answered (or dropped) by it. */
async function applyFault(c: WxCtx): Promise<boolean> {
  const st = c.st;
  if (st.faults.length === 0) return false;
  const uin = c.cookies.wxuin;
  const accountId = uin ? st.accounts.find((a) => String(a.uin) === uin)?.id : undefined;
  const f = st.takeFault(c.endpoint, accountId);
  if (!f) return false;
  const ctx = c.koa;
  switch (f.kind) {
    case 'http-500':
      ctx.status = 500;
      ctx.body = '<html><body>500 Internal Server Error</body></html>';
      return true;
    case 'garbage':
      ctx.status = 200;
      ctx.set('Content-Type', 'text/plain');
      ctx.body = '\u0000<html>garbage{{{' + 'x'.repeat(16);
      return true;
    case 'reset':
      ctx.respond = false;
      ctx.req.socket.destroy();
      return true;
    case 'timeout':
      await holdThenDrop(ctx, st, f.ms);
      return true;
    case 'slow':
      await new Promise<void>((resolve) => st.later(f.ms, resolve));
      return false;
    case 'answer-lost':
      ctx.state.answerLostMs = f.ms;
      return false;
    case 'ret-1205':
      if (c.endpoint === 'synccheck') sendJs(c, synccheckBody(1205, 0));
      else sendJson(c, { BaseResponse: baseResponse(1205), MsgID: '', LocalID: '' });
      return true;
  }
}

/** Never answer: the socket is dropped after `ms` (or when the client goes) so nothing leaks. */
async function holdThenDrop(ctx: Koa.Context, st: SandboxState, ms: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = st.later(ms, resolve);
    ctx.res.once('close', () => {
      st.cancelTimer(t);
      resolve();
    });
  });
  ctx.respond = false;
  ctx.req.socket.destroy();
}

/** Build the Koa app for one sandbox state. */
export function createSandboxApp(st: SandboxState, log: Logger, options: { ilink?: IlinkState; host?: string } = {}): Koa {
  const { ilink, host = '127.0.0.1' } = options;
  const app = new Koa();
  app.on('error', (err: unknown) => {
    if (isClientGone(err)) return;
    log.warn({ err }, 'sandbox request failed');
  });
  const control = controlRoutes(st);
  const guard = controlGuard(host);
  const phone = phonePage(st);
  const ilinkApi = ilink ? ilinkRoutes(ilink) : undefined;
  const ilinkControl = ilink ? ilinkControlRoutes(ilink) : undefined;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const status = (err as { status?: number }).status ?? 500;
      ctx.status = status;
      ctx.type = 'application/json';
      ctx.body = { error: { message: (err as Error).message } };
      if (status >= 500) ctx.app.emit('error', err, ctx);
    }
  });
  app.use(async (ctx, next) => {
    // iLink (ilink.md): its API and CDN by path or real host name, its control API beside the web one.
    if (ilink && ilinkApi && isIlinkRequest(ctx, ilink)) return ilinkApi(ctx);
    if (ctx.path.startsWith('/sandbox/api/')) guard(ctx);
    if (ilinkControl && ctx.path.startsWith('/sandbox/api/ilink/')) return ilinkControl(ctx);
    if (ctx.path === '/sandbox' || ctx.path.startsWith('/sandbox/')) {
      if (ctx.path.startsWith('/sandbox/api/')) return control(ctx, next);
      return phone(ctx, next);
    }
    const handler = handlerFor(ctx.path);
    if (!handler) {
      if (ctx.path === '/' || ctx.path === '') {
        ctx.redirect('/sandbox');
        return;
      }
      ctx.status = 404;
      ctx.body = 'not found';
      return;
    }
    st.counters.requests += 1;
    const c = makeCtx(ctx, st);
    if (await applyFault(c)) return;
    await handler(c);
    if (typeof ctx.state.answerLostMs === 'number') await holdThenDrop(ctx, st, ctx.state.answerLostMs);
  });
  return app;
}
