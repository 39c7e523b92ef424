/**
 * Host family of a session (§2): the host of `redirect_uri` decides the web, login, file and push
 * hosts. We follow the official client's table (first match wins) rather than wechat4u's prefix
 * regex; they agree for wx/wx2/wx8/web/web2 and differ only for unknown hosts, where the official
 * default is used.
 */

export interface Hosts {
  web: string;
  login: string;
  file: string;
  push: string;
}

/** Hosts used before the login poll tells us the family. */
export const PRELOGIN_HOST = 'login.wx.qq.com';
/** QR text host (§4.2): the QR encodes `https://login.weixin.qq.com/l/<uuid>`. */
export const QR_HOST = 'login.weixin.qq.com';

/**
 * The session hosts for a web host taken from redirect_uri.
 *
 * @example hostsFor('wx2.qq.com').push // 'webpush.wx2.qq.com'
 */
export function hostsFor(webHost: string): Hosts {
  const web = webHost.toLowerCase();
  const family = (f: string): Hosts => ({ web, login: `login.${f}`, file: `file.${f}`, push: `webpush.${f}` });
  if (web.includes('wx2.qq.com')) return family('wx2.qq.com');
  if (web.includes('wx8.qq.com')) return family('wx8.qq.com');
  if (web.includes('qq.com')) return family('wx.qq.com');
  if (web.includes('web2.wechat.com')) return family('web2.wechat.com');
  if (web.includes('wechat.com')) return family('web.wechat.com');
  return { web, login: 'login.weixin.qq.com', file: 'file.wx.qq.com', push: 'webpush.weixin.qq.com' };
}

/** Hosts from a full redirect_uri. Throws on a URL that cannot be parsed. */
export function hostsFromRedirect(redirectUri: string): Hosts {
  return hostsFor(new URL(redirectUri).hostname);
}

export const CGI = '/cgi-bin/mmwebwx-bin/';
