/**
 * The panel's cookies get the Secure flag when the panel is reached over HTTPS: directly (an HTTPS
 * server in front of the panel app), or through a reverse proxy that says so in X-Forwarded-Proto,
 * which the real server (src/main.ts) believes only with TRUST_PROXY.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { bareAdminApp, Client, startServerStack, type ServerStack } from './helpers/panel-stack.js';
import { ensureTlsMaterial } from '../../src/sandbox/tls.js';

const PASSWORD = 'the admin password';

/** Set-Cookie lines of a login through `c` (the pre-login CSRF cookie, then the session cookie). */
async function loginCookies(c: Client): Promise<{ csrf: string; session: string }> {
  const form = await c.get('/login');
  const csrf = form.headers.getSetCookie().find((l) => l.startsWith('wr_csrf=')) ?? '';
  const done = await c.post('/login', { username: 'admin', password: PASSWORD });
  assert.equal(done.status, 302);
  const session = done.headers.getSetCookie().find((l) => l.startsWith('wr_session=')) ?? '';
  assert.ok(csrf && session, 'both cookies were set');
  return { csrf, session };
}

const isSecure = (setCookie: string): boolean => /;\s*secure/i.test(setCookie);

describe('Secure cookies', () => {
  let stack: ServerStack | undefined;
  after(async () => {
    await stack?.close();
  });

  it('behind a proxy with TRUST_PROXY: Secure when X-Forwarded-Proto is https, not for plain http', async () => {
    stack = await startServerStack({ env: { ADMIN_PASSWORD: PASSWORD, TRUST_PROXY: 'true' } });
    const https = await loginCookies(new Client(stack.url, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.1' }));
    assert.ok(isSecure(https.csrf), https.csrf);
    assert.ok(isSecure(https.session), https.session);
    const plain = await loginCookies(new Client(stack.url, { 'x-forwarded-proto': 'http', 'x-forwarded-for': '203.0.113.2' }));
    assert.ok(!isSecure(plain.csrf) && !isSecure(plain.session));
    await stack.close();
    stack = undefined;
  });

  it('without TRUST_PROXY, X-Forwarded-Proto is not believed', async () => {
    stack = await startServerStack({ env: { ADMIN_PASSWORD: PASSWORD } });
    const c = await loginCookies(new Client(stack.url, { 'x-forwarded-proto': 'https' }));
    assert.ok(!isSecure(c.csrf) && !isSecure(c.session));
  });

  it('served over HTTPS directly: Secure', async () => {
    const { app, close } = await bareAdminApp({ config: { adminPassword: PASSWORD } });
    const tls = await ensureTlsMaterial();
    const server = createHttpsServer({ key: tls.key, cert: tls.cert }, app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const lines = await new Promise<string[]>((resolve, reject) => {
        // The test CA names WeChat's hosts, not 127.0.0.1; only the cookie flag matters here.
        const req = request({ host: '127.0.0.1', port, path: '/login', rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.headers['set-cookie'] ?? []);
        });
        req.on('error', reject);
        req.end();
      });
      const csrf = lines.find((l) => l.startsWith('wr_csrf=')) ?? '';
      assert.ok(isSecure(csrf), csrf);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      close();
    }
  });
});
