/**
 * The phone page at /sandbox: an EJS page and one small plain script (no CDN) that drives the
 * control API — scan/confirm/cancel QR codes, browse chats, send as any contact or group member,
 * watch the bot's replies and trigger phone-side events.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ejs from 'ejs';
import type { Context, Next } from 'koa';
import type { SandboxState } from './state.js';
import { packageRoot } from '../util/paths.js';

// From the package root, so it works from src/ (tsx) and from dist/src/ (compiled) alike.
const VIEWS = join(packageRoot(), 'views', 'sandbox');

/** Koa middleware for /sandbox and its static script. */
export function phonePage(st: SandboxState): (ctx: Context, next: Next) => Promise<void> {
  return async (ctx) => {
    if (ctx.path === '/sandbox' || ctx.path === '/sandbox/') {
      const accounts = st.accounts.map((a) => ({ id: a.id, nickname: a.nick }));
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await ejs.renderFile(join(VIEWS, 'phone.ejs'), { accounts, uuid: typeof ctx.query.uuid === 'string' ? ctx.query.uuid : '' });
      return;
    }
    if (ctx.path === '/sandbox/ilink' || ctx.path === '/sandbox/ilink/') {
      // The iLink mode: the owner's phone with the ClawBot contact (views/sandbox/ilink.*).
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('Cache-Control', 'no-store');
      const qrcode = typeof ctx.query.qrcode === 'string' && /^[0-9a-f]{32}$/.test(ctx.query.qrcode) ? ctx.query.qrcode : '';
      ctx.body = await ejs.renderFile(join(VIEWS, 'ilink.ejs'), { qrcode });
      return;
    }
    if (['/sandbox/common.js', '/sandbox/phone.js', '/sandbox/phone.css', '/sandbox/ilink.js', '/sandbox/ilink.css'].includes(ctx.path)) {
      ctx.type = ctx.path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8';
      ctx.body = await readFile(join(VIEWS, ctx.path.slice('/sandbox/'.length)), 'utf8');
      return;
    }
    ctx.status = 404;
    ctx.body = 'not found';
  };
}
