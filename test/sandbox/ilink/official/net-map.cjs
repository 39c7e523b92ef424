/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for the official-client check: inside THIS process only, *.qq.com resolves to 127.0.0.1
// and TLS connections to port 443 of those names go to SANDBOX_TLS_PORT (global fetch connects
// through tls.connect). Certificates are still checked for the real name (NODE_EXTRA_CA_CERTS).
'use strict';
const dns = require('node:dns');
const tls = require('node:tls');

const port = Number(process.env.SANDBOX_TLS_PORT);
if (!port) throw new Error('net-map.cjs needs SANDBOX_TLS_PORT');
const QQ = /(^|\.)qq\.com$/i;

const realLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  if (typeof hostname === 'string' && QQ.test(hostname)) {
    const opts = typeof options === 'number' ? { family: options } : options || {};
    if (opts.all) return process.nextTick(callback, null, [{ address: '127.0.0.1', family: 4 }]);
    return process.nextTick(callback, null, '127.0.0.1', 4);
  }
  return realLookup.call(dns, hostname, options, callback);
};

const realConnect = tls.connect;
tls.connect = function connect(...args) {
  const o = args[0];
  if (o && typeof o === 'object' && typeof o.host === 'string' && QQ.test(o.host) && (!o.port || Number(o.port) === 443)) {
    args[0] = { ...o, port, servername: o.servername || o.host };
  }
  return realConnect.apply(tls, args);
};
