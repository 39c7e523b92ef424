// Network failures in plain classes: real errors from node:http and fetch against 127.0.0.1, and the
// system codes Node uses for DNS, TLS and timeouts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { classifyNetworkError } from '../../src/util/network-problem.js';
import { TransportError } from '../../src/transport/errors.js';
import { closedPort } from '../helpers/closed-port.js';

const coded = (code: string, message: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(message), { code, ...extra });

describe('classifyNetworkError', () => {
  it('a refused connection through node:http and through fetch, wrapped as the transports wrap it', async () => {
    const port = await closedPort();
    const viaHttp = await new Promise<Error>((resolve) => request(`http://127.0.0.1:${port}/`).on('error', resolve).end());
    const viaFetch = await fetch(`http://127.0.0.1:${port}/`).then(
      () => assert.fail('the port answered'),
      (e: unknown) => e as Error,
    );
    for (const err of [viaHttp, viaFetch]) {
      const wrapped = new TransportError('network', `GET /jslogin ${err.message}`, undefined, { cause: err });
      assert.deepEqual(classifyNetworkError(wrapped), { kind: 'refused', host: `127.0.0.1:${port}`, code: 'ECONNREFUSED' });
    }
  });

  it('DNS, TLS, timeouts and broken connections by their codes; the host from the error', () => {
    const dns = coded('ENOTFOUND', 'getaddrinfo ENOTFOUND login.wx.qq.com', { hostname: 'login.wx.qq.com' });
    assert.deepEqual(classifyNetworkError(new Error('fetch failed', { cause: dns })), { kind: 'dns', host: 'login.wx.qq.com', code: 'ENOTFOUND' });
    assert.equal(classifyNetworkError(coded('EAI_AGAIN', 'getaddrinfo EAI_AGAIN x'))?.kind, 'dns');
    assert.equal(classifyNetworkError(coded('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'))?.kind, 'tls');
    assert.equal(classifyNetworkError(coded('CERT_HAS_EXPIRED', 'certificate has expired'))?.kind, 'tls');
    assert.equal(classifyNetworkError(coded('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'))?.kind, 'timeout');
    assert.equal(classifyNetworkError(new TransportError('network', 'GET /jslogin timed out after 10000 ms'))?.kind, 'timeout');
    assert.equal(classifyNetworkError(coded('ECONNRESET', 'socket hang up'))?.kind, 'network');
  });

  it('with a proxy set in the environment, a failure to get out is explained as the proxy; TLS stays TLS', () => {
    assert.equal(classifyNetworkError(coded('ENOTFOUND', 'getaddrinfo ENOTFOUND login.wx.qq.com'), { proxySet: true })?.kind, 'proxy');
    assert.equal(classifyNetworkError(coded('CERT_HAS_EXPIRED', 'certificate has expired'), { proxySet: true })?.kind, 'tls');
    assert.equal(classifyNetworkError(new TransportError('network', 'iLink get_bot_qrcode: HTTP 407', 407))?.kind, 'proxy');
  });

  it('an answer from WeChat is not a network problem', () => {
    assert.equal(classifyNetworkError(new TransportError('login-refused', 'WeChat refused the login (ret 1203)', 1203)), undefined);
    assert.equal(classifyNetworkError(new TransportError('invalid', 'no login after 5 QR codes')), undefined);
  });
});
