/**
 * The iLink endpoints by path (ilink.md §2.2, §9.1): the API under `/ilink/bot/…` and the CDN under
 * `/c2c/…`, on the sandbox origin and (TLS mode) on the real host names; transport faults in front.
 */
import type { Context } from 'koa';
import { cdnDownload, cdnUpload, getUploadUrl } from './cdn.js';
import { getBotQrcode, getQrcodeStatus } from './login.js';
import { sendMessage } from './send.js';
import { TRANSPORT_FAULTS, type IlinkState } from './state.js';
import { getConfig, notifyStart, notifyStop, sendTyping } from './typing.js';
import { getUpdates } from './updates.js';
import { CDN_HOST, ILINK_HOST } from './hosts.js';
import { hostRoleOf, readBody, recordCall, type IlinkCtx } from './wire.js';

type Handler = (c: IlinkCtx) => void | Promise<void>;

const API: Record<string, { methods: string[]; handler: Handler }> = {
  '/ilink/bot/get_bot_qrcode': { methods: ['GET', 'POST'], handler: getBotQrcode },
  '/ilink/bot/get_qrcode_status': { methods: ['GET'], handler: getQrcodeStatus },
  '/ilink/bot/getupdates': { methods: ['POST'], handler: getUpdates },
  '/ilink/bot/sendmessage': { methods: ['POST'], handler: sendMessage },
  '/ilink/bot/getuploadurl': { methods: ['POST'], handler: getUploadUrl },
  '/ilink/bot/getconfig': { methods: ['POST'], handler: getConfig },
  '/ilink/bot/sendtyping': { methods: ['POST'], handler: sendTyping },
  '/ilink/bot/msg/notifystart': { methods: ['POST'], handler: notifyStart },
  '/ilink/bot/msg/notifystop': { methods: ['POST'], handler: notifyStop },
};

/** True when a request belongs to the iLink sandbox (by path, or by a real iLink host name). */
export function isIlinkRequest(ctx: Context, st: IlinkState): boolean {
  if (ctx.path.startsWith('/ilink/') || ctx.path.startsWith('/c2c/')) return true;
  const host = (ctx.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
  return host === ILINK_HOST || host === CDN_HOST || host === st.opts.redirectHost;
}

function notFound(ctx: Context): void {
  ctx.status = 404;
  ctx.type = 'text/plain';
  ctx.body = 'not found';
}

/** Apply a pending transport fault; true when it answered (or dropped) the request. */
async function transportFault(c: IlinkCtx, explicitOnly: boolean): Promise<boolean> {
  const st = c.st;
  const pending = st.faults.find((f) => TRANSPORT_FAULTS.includes(f.kind) && (f.endpoint ? f.endpoint === c.endpoint : !explicitOnly));
  if (!pending) return false;
  const f = st.takeFault(c.endpoint, [pending.kind]);
  if (!f) return false;
  recordCall(c, undefined, false);
  const ctx = c.koa;
  const wait = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const t = st.later(ms, resolve);
      ctx.res.once('close', () => {
        st.cancel(t);
        resolve();
      });
    });
  switch (f.kind) {
    case 'http-524':
      await wait(f.ms);
      ctx.status = 524;
      ctx.type = 'text/html';
      ctx.body = '<html><body><h1>524</h1>A timeout occurred</body></html>';
      return true;
    case 'garbage':
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = '\u0000{"ret":0,"msgs":[{"seq":' + 'x'.repeat(16);
      return true;
    case 'reset':
      ctx.respond = false;
      ctx.req.socket.destroy();
      return true;
    default:
      // timeout: never answer; drop the socket after `ms` (or when the client gives up).
      await wait(f.ms);
      ctx.respond = false;
      ctx.req.socket.destroy();
      return true;
  }
}

/** Koa handler for every iLink request. */
export function ilinkRoutes(st: IlinkState): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    const hostRole = hostRoleOf(ctx, st);
    if (ctx.path === '/c2c/upload' || ctx.path === '/c2c/download') {
      const upload = ctx.path === '/c2c/upload';
      const c: IlinkCtx = { koa: ctx, st, endpoint: upload ? 'cdn-upload' : 'cdn-download', hostRole, body: null };
      if (await transportFault(c, true)) return;
      if (upload) {
        const { raw } = ctx.method === 'POST' ? await readBody(ctx) : { raw: Buffer.alloc(0) };
        return cdnUpload(c, raw);
      }
      if (ctx.method !== 'GET') return notFound(ctx);
      return cdnDownload(c);
    }
    const route = API[ctx.path];
    if (!route || !route.methods.includes(ctx.method) || hostRole === 'cdn') return notFound(ctx);
    const { json } = await readBody(ctx);
    const endpoint = ctx.path.slice(ctx.path.lastIndexOf('/') + 1);
    const c: IlinkCtx = { koa: ctx, st, endpoint, hostRole, body: json };
    if (await transportFault(c, false)) return;
    if (endpoint === 'get_bot_qrcode' || endpoint === 'get_qrcode_status') recordCall(c, undefined, false);
    await route.handler(c);
  };
}
