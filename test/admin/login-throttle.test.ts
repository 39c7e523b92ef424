/**
 * The login throttle through the real server (src/main.ts on 127.0.0.1): attempts are counted
 * before the password check (parallel guesses do not all get checked), it throttles per (client
 * address, user name) so a stranger cannot lock the admin out, it trusts X-Forwarded-For only with
 * TRUST_PROXY, and a global ceiling caps guesses across all addresses without a lasting lockout.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { bareAdminApp, Client, startServerStack, type ServerStack } from './helpers/panel-stack.js';
import { listen } from '../../src/http/listen.js';

const PASSWORD = 'the admin password';

async function loginPage(base: string, headers: Record<string, string> = {}): Promise<Client> {
  const c = new Client(base, headers);
  await c.get('/login');
  return c;
}

describe('login throttle (POST /login)', () => {
  let stack: ServerStack | undefined;
  after(async () => {
    await stack?.close();
  });

  it('counts each attempt before the slow password check: of 60 parallel guesses only 5 are checked', async () => {
    stack = await startServerStack({ env: { ADMIN_PASSWORD: PASSWORD } });
    const c = await loginPage(stack.url);
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => c.post('/login', { username: 'admin', password: `guess ${i}` })));
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 401).length, 5, `checked: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 429).length, 55);
    const failures = (await stack.store.audit.list()).filter((e) => e.action === 'login.failed');
    assert.equal(failures.length, 5, 'only the checked guesses reached the password check');
    const refused = answers.find((a) => a.status === 429)!;
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    // The right password from the same address is refused too while the pair is blocked …
    assert.equal((await c.post('/login', { username: 'admin', password: PASSWORD })).status, 429);
    await stack.close();
    stack = undefined;
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: rotating it does not give a guesser fresh attempts', async () => {
    stack = await startServerStack({ env: { ADMIN_PASSWORD: PASSWORD } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const c = await loginPage(stack.url, { 'x-forwarded-for': `198.51.100.${i + 1}` });
      statuses.push((await c.post('/login', { username: 'admin', password: `guess ${i}` })).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
    await stack.close();
    stack = undefined;
  });

  it('with TRUST_PROXY, a stranger who fails five times for "admin" locks out only themselves', async () => {
    stack = await startServerStack({ env: { ADMIN_PASSWORD: PASSWORD, TRUST_PROXY: 'true' } });
    // The proxy appends the client's address; a forged entry before it is not trusted.
    const stranger = await loginPage(stack.url, { 'x-forwarded-for': '203.0.113.66' });
    for (let i = 0; i < 5; i++) assert.equal((await stranger.post('/login', { username: 'admin', password: `guess ${i}` })).status, 401);
    assert.equal((await stranger.post('/login', { username: 'admin', password: PASSWORD })).status, 429, 'the stranger is blocked');
    const forged = await loginPage(stack.url, { 'x-forwarded-for': '198.51.100.7, 203.0.113.66' });
    assert.equal((await forged.post('/login', { username: 'admin', password: 'guess' })).status, 429, 'a forged first entry does not help');
    const admin = await loginPage(stack.url, { 'x-forwarded-for': '192.0.2.10' });
    const res = await admin.post('/login', { username: 'admin', password: PASSWORD });
    assert.equal(res.status, 302, 'the admin, at another address, still logs in');
    assert.equal(res.location, '/accounts');
  });
});

describe('login throttle: the global ceiling', () => {
  let closeAll: () => Promise<void> = async () => {};
  let url = '';
  let now = 1_000_000;
  before(async () => {
    const bare = await bareAdminApp({
      config: { adminPassword: PASSWORD },
      clock: { now: () => now, random: Math.random, sleep: async () => {} },
      loginThrottle: { globalMax: 4, globalWindowMs: 60_000 },
    });
    // Behind a proxy, so that each test client can have its own address.
    bare.app.proxy = true;
    bare.app.maxIpsCount = 1;
    const http = await listen(bare.app, '127.0.0.1', 0);
    url = http.url;
    closeAll = async () => {
      await http.close();
      bare.close();
    };
  });
  after(() => closeAll());

  it('caps checked attempts across all addresses for one window, then lets logins through again', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await loginPage(url, { 'x-forwarded-for': `198.51.100.${i + 1}` });
      statuses.push((await c.post('/login', { username: `user${i}`, password: 'guess' })).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
    const admin = await loginPage(url, { 'x-forwarded-for': '192.0.2.10' });
    const busy = await admin.post('/login', { username: 'admin', password: PASSWORD });
    assert.equal(busy.status, 429);
    assert.match(busy.text, /Too many login attempts on this server right now/);
    now += 60_001;
    assert.equal((await admin.post('/login', { username: 'admin', password: PASSWORD })).status, 302, 'no lasting lockout');
  });
});
