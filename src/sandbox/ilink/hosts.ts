/** The real iLink host names (ilink.md §2.1) the sandbox answers for in TLS mode. */
export const ILINK_HOST = 'ilinkai.weixin.qq.com';
export const CDN_HOST = 'novac2c.cdn.weixin.qq.com';
/** The default `redirect_host` of a `scaned_but_redirect` (§9.10). */
export const REDIRECT_HOST = 'ilinkai-sz.weixin.qq.com';

/** Names the TLS certificate must list for iLink. */
export const ILINK_HOST_NAMES = [ILINK_HOST, REDIRECT_HOST, CDN_HOST];
