/**
 * DNS-rebinding guard, for the panel and the sandbox's control API. A page on evil.example can make
 * its name resolve to 127.0.0.1 and then talk to a local server "same-origin"; the browser still
 * sends `Host: evil.example`. So these servers answer only to IP literals, `localhost`, and the
 * names they were configured with (the host of PUBLIC_URL, and HOST when it is a name). The port is
 * not checked: proxies change it, and the attack is in the name.
 */
import { isIP } from 'node:net';

/** The host name of a `Host` header value, without port or IPv6 brackets, lower-cased. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return (colon >= 0 ? h.slice(0, colon) : h).replace(/\.$/, '');
}

/**
 * @example
 *   const allowed = hostAllowlist({ publicUrl: 'https://bot.example.com', host: '0.0.0.0' });
 *   allowed('bot.example.com:443'); // true
 *   allowed('evil.example:3000');   // false
 */
export function hostAllowlist(config: { publicUrl?: string | undefined; host?: string | undefined }): (hostHeader: string) => boolean {
  const names = new Set<string>();
  if (config.publicUrl) names.add(new URL(config.publicUrl).hostname.toLowerCase().replace(/^\[|\]$/g, ''));
  if (config.host && !isIP(config.host)) names.add(config.host.toLowerCase());
  return (header) => {
    const name = hostName(header);
    if (!name) return false;
    return isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost') || names.has(name);
  };
}
