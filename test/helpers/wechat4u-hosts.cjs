/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for child processes that run an unmodified third-party WeChat client (wechat4u) against
// the sandbox's TLS mode: inside THIS process only, every *.qq.com / *.wechat.com name resolves to
// 127.0.0.1 and port 443 becomes SANDBOX_TLS_PORT. The client still verifies the certificate for
// the real host name; trust comes from NODE_EXTRA_CA_CERTS (the sandbox's test CA).
'use strict';
const dns = require('node:dns');
const https = require('node:https');
const tls = require('node:tls');

const port = Number(process.env.SANDBOX_TLS_PORT);
if (!port) throw new Error('wechat4u-hosts.cjs needs SANDBOX_TLS_PORT');
const WECHAT = /(^|\.)(qq\.com|wechat\.com)$/i;

const realLookup = dns.lookup;
function lookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  if (typeof hostname === 'string' && WECHAT.test(hostname)) {
    const opts = typeof options === 'number' ? { family: options } : options || {};
    if (opts.all) return process.nextTick(callback, null, [{ address: '127.0.0.1', family: 4 }]);
    return process.nextTick(callback, null, '127.0.0.1', 4);
  }
  return realLookup.call(dns, hostname, options, callback);
}
dns.lookup = lookup;

function reroute(options) {
  if (!options || typeof options !== 'object') return options;
  const host = options.hostname || options.host;
  if (typeof host === 'string' && WECHAT.test(host.replace(/:\d+$/, '')) && (!options.port || Number(options.port) === 443)) {
    options.port = port;
    options.lookup = lookup;
    options.servername = host.replace(/:\d+$/, '');
  }
  return options;
}

const realRequest = https.request;
https.request = function request(...args) {
  if (args[0] instanceof URL || typeof args[0] === 'string') {
    const u = new URL(String(args[0]));
    if (WECHAT.test(u.hostname) && (u.port === '' || u.port === '443')) {
      const extra = typeof args[1] === 'object' && args[1] !== null && typeof args[1] !== 'function' ? args[1] : {};
      const rest = extra === args[1] ? args.slice(2) : args.slice(1);
      const opts = reroute({ protocol: u.protocol, hostname: u.hostname, path: u.pathname + u.search, ...extra });
      return realRequest.call(https, opts, ...rest);
    }
    return realRequest.apply(https, args);
  }
  reroute(args[0]);
  return realRequest.apply(https, args);
};
// A client that opens its TLS sockets itself (weiroto's long poll, src/protocol/poll-connection.ts).
const realConnect = tls.connect;
tls.connect = function connect(...args) {
  if (typeof args[0] === 'object' && args[0] !== null) reroute(args[0]);
  return realConnect.apply(tls, args);
};
https.get = function get(...args) {
  const req = https.request(...args);
  req.end();
  return req;
};
