/**
 * First run through the real server: /setup is open to a browser on the server itself and
 * otherwise needs the one-time code printed in the log; the panel refuses host names it was not
 * configured with (DNS rebinding, checked in Chromium with a name mapped to 127.0.0.1); passwords
 * are hashed with scrypt N = 2^17 and older hashes are replaced at the next login.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { scryptSync, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { chromium } from 'playwright-core';
import { Client, startServerStack, type ServerStack } from './helpers/panel-stack.js';
import { captureLog } from '../helpers/log-capture.js';
import { waitUntil } from '../../src/testing/wait.js';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const admins = (stack: ServerStack): Promise<number> => stack.store.adminUsers.count();
const setupForm = { username: 'admin', password: 'a long password', confirm: 'a long password' };

/** GET with a Host header of our choosing (fetch does not let a caller set Host). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('first run: who may claim /setup', () => {
  let stack: ServerStack | undefined;
  after(async () => {
    await stack?.close();
  });

  it('prints a one-time setup code; a visitor who is not on this machine needs it', async () => {
    const captured = captureLog('info');
    stack = await startServerStack({ log: captured.log });
    const line = captured.records().find((r) => r.msg.startsWith('first run:'));
    assert.ok(line, 'the first-run line is in the log');
    assert.equal(line.level, 40);
    const code = /setup code (\S+)\)/.exec(line.msg)?.[1] ?? '';
    assert.ok(code.length >= 20, line.msg);
    assert.equal(line.setupUrl, `${stack.url}/setup?code=${code}`);

    // Through a proxy (forwarding headers, TRUST_PROXY unset): not a local visitor.
    const remote = new Client(stack.url, { 'x-forwarded-for': '203.0.113.5' });
    const form = await remote.get('/setup');
    assert.equal(form.status, 200);
    assert.match(form.text, /name="code"/, 'the form asks for the setup code');
    const none = await remote.post('/setup', setupForm);
    assert.equal(none.status, 403);
    assert.match(none.text, /setup code is wrong/);
    assert.equal((await remote.post('/setup', { ...setupForm, code: code.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) })).status, 403);
    assert.equal(await admins(stack), 0, 'nobody became admin');

    // The link from the log pre-fills the code.
    const linked = await remote.get(`/setup?code=${code}`);
    assert.match(linked.text, new RegExp(`name="code" value="${code}"`));
    const claimed = await remote.post('/setup', { ...setupForm, code });
    assert.equal(claimed.status, 302);
    assert.equal(await admins(stack), 1);
    await stack.close();
    stack = undefined;
  });

  it('with TRUST_PROXY the forwarded address decides: a remote client needs the code, the local one does not', async () => {
    stack = await startServerStack({ env: { TRUST_PROXY: 'true' } });
    const remote = new Client(stack.url, { 'x-forwarded-for': '127.0.0.1, 203.0.113.5' });
    await remote.get('/setup');
    assert.equal((await remote.post('/setup', setupForm)).status, 403, 'a forged loopback entry does not count');
    const local = new Client(stack.url);
    await local.get('/setup');
    assert.doesNotMatch((await local.get('/setup')).text, /name="code"/);
    assert.equal((await local.post('/setup', setupForm)).status, 302);
    await stack.close();
    stack = undefined;
  });

  it('without an administrator to create, no code is printed', async () => {
    const captured = captureLog('info');
    stack = await startServerStack({ log: captured.log, env: { ADMIN_PASSWORD: 'the admin password' } });
    assert.equal(
      captured.records().find((r) => r.msg.startsWith('first run:')),
      undefined,
    );
    await stack.close();
    stack = undefined;
  });
});

describe('the panel answers only to its own names (DNS rebinding)', () => {
  let stack: ServerStack | undefined;
  after(async () => {
    await stack?.close();
  });

  it('refuses Host: evil.example, accepts IP addresses, localhost and the host of PUBLIC_URL', async () => {
    stack = await startServerStack({ env: { PUBLIC_URL: 'https://bot.example.com' } });
    const port = new URL(stack.url).port;
    assert.equal((await getWithHost(stack.url + '/setup', `evil.example:${port}`)).status, 421);
    assert.equal((await getWithHost(stack.url + '/setup', `127.0.0.1:${port}`)).status, 200);
    assert.equal((await getWithHost(stack.url + '/setup', `localhost:${port}`)).status, 200);
    assert.equal((await getWithHost(stack.url + '/setup', 'bot.example.com')).status, 200);
    assert.equal((await getWithHost(stack.url + '/healthz', 'prometheus-target:9')).status, 200, 'operations endpoints are not the panel');
  });

  it('in Chromium, a name rebound to 127.0.0.1 cannot reach /setup; localhost and 127.0.0.1 can', async () => {
    const port = new URL(stack!.url).port;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--host-resolver-rules=MAP rebind.example 127.0.0.1'],
    });
    try {
      const page = await browser.newPage();
      const rebound = await page.goto(`http://rebind.example:${port}/setup`);
      assert.equal(rebound?.status(), 421);
      assert.match((await page.textContent('body')) ?? '', /does not answer to the name rebind\.example/);
      assert.equal(await page.locator('#setup-submit').count(), 0);
      for (const name of ['localhost', '127.0.0.1']) {
        const ok = await page.goto(`http://${name}:${port}/setup`);
        assert.equal(ok?.status(), 200, name);
        assert.equal(await page.locator('#setup-submit').count(), 1, name);
      }
    } finally {
      await browser.close();
    }
  });
});

describe('password hashes', () => {
  let stack: ServerStack | undefined;
  after(async () => {
    await stack?.close();
  });

  it('new hashes use scrypt N = 2^17; a login with an older, cheaper hash replaces it', async () => {
    stack = await startServerStack({ env: { ADMIN_PASSWORD: 'the admin password' } });
    const users = stack.store.adminUsers;
    await waitUntil(async () => (await users.count()) === 1, 10_000, 'the seeded admin');
    assert.match((await users.byName('admin'))!.passwordHash, /^scrypt\$131072\$8\$1\$/);
    // A hash as the previous release stored it (N = 2^14).
    const salt = randomBytes(16);
    const old = ['scrypt', 16384, 8, 1, salt.toString('base64'), scryptSync('an old password', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64')].join(
      '$',
    );
    await users.create({ username: 'olduser', passwordHash: old, role: 'viewer' });
    const c = new Client(stack.url);
    await c.get('/login');
    assert.equal((await c.post('/login', { username: 'olduser', password: 'an old password' })).status, 302);
    const now = (await users.byName('olduser'))!.passwordHash;
    assert.match(now, /^scrypt\$131072\$8\$1\$/, 'rehashed at the new cost');
    const again = new Client(stack.url);
    await again.get('/login');
    assert.equal((await again.post('/login', { username: 'olduser', password: 'an old password' })).status, 302, 'the new hash checks');
  });
});
