/**
 * Every route of the panel refuses an anonymous request and a state-changing request without a
 * valid CSRF token; admin-only routes refuse a viewer. The list comes from the panel's own route
 * table, so a new route cannot slip past this test.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startPanelStack, type PanelStack } from './helpers/panel-stack.js';
import type { RouteDef } from '../../src/admin/index.js';

/** Routes meant for anonymous visitors (login itself, first-run setup, language). /metrics is not the panel's: it needs a token (src/http/ops.ts). */
const PUBLIC = ['GET /setup', 'POST /setup', 'GET /login', 'POST /login', 'POST /lang'];

const fill = (path: string): string => path.replace(/:(\w+)/g, (_m, name: string) => (name === 'uid' ? '1' : name === 'did' ? '1' : `x-${name}`));

describe('every admin route refuses anonymous and CSRF-less requests', () => {
  let stack: PanelStack;
  let routes: RouteDef[];
  let admin: Client;
  let viewer: Client;

  before(async () => {
    stack = await startPanelStack({ adminPassword: 'admin password 1' });
    routes = stack.admin.routes;
    admin = new Client(stack.url);
    await admin.get('/login');
    assert.equal((await admin.post('/login', { username: 'admin', password: 'admin password 1' })).status, 302);
    await admin.get('/users');
    assert.equal((await admin.post('/users', { username: 'vera', password: 'viewer password', role: 'viewer' })).status, 302);
    viewer = new Client(stack.url);
    await viewer.get('/login');
    assert.equal((await viewer.post('/login', { username: 'vera', password: 'viewer password' })).status, 302);
  });
  after(async () => {
    await stack?.close();
  });

  it('the route table is not empty and names each route once', () => {
    assert.ok(routes.length >= 40, `only ${routes.length} routes`);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    assert.equal(new Set(keys).size, keys.length);
    for (const p of PUBLIC) assert.ok(keys.includes(p), `${p} is in the table`);
    for (const r of routes) assert.equal(r.access === 'public', PUBLIC.includes(`${r.method} ${r.path}`), `${r.method} ${r.path} access`);
    // The @koa/router that serves the panel registers exactly this table, so walking it walks every route.
    const served = stack.admin.router.stack.map((layer) => `${layer.methods.filter((m: string) => m !== 'HEAD').join(',')} ${String(layer.path)}`);
    assert.deepEqual(served, keys);
  });

  it('the router keeps the panel’s matching: 404 for unknown paths, 405 for a known path with another method, trailing slash accepted, case kept', async () => {
    assert.equal((await admin.get('/no-such-page')).status, 404);
    assert.equal((await admin.post('/logs', { x: '1' })).status, 405);
    assert.equal((await admin.get('/users/')).status, 200);
    assert.equal((await admin.get('/USERS')).status, 404);
    const head = await admin.request('HEAD', '/users');
    assert.equal(head.status, 200);
  });

  it('anonymous: every non-public route redirects to login (pages) or answers 401/403', async () => {
    const anon = new Client(stack.url);
    await anon.get('/login'); // holds a pre-login CSRF token: still anonymous
    for (const r of routes.filter((x) => x.access !== 'public')) {
      const path = fill(r.path);
      const res = r.method === 'GET' ? await anon.get(path) : await anon.post(path, { x: '1' });
      if (r.method === 'GET' && !r.stream) {
        assert.equal(res.status, 302, `GET ${r.path}`);
        assert.match(res.location ?? '', /^\/login\?next=/, `GET ${r.path}`);
      } else {
        assert.ok(res.status === 401 || res.status === 403, `${r.method} ${r.path} answered ${res.status}`);
      }
    }
  });

  it('logged in: every POST without a CSRF token, or with a wrong one, is refused with 403', async () => {
    for (const r of routes.filter((x) => x.method === 'POST')) {
      const path = fill(r.path);
      const none = await admin.post(path, { x: '1' }, { csrf: false });
      assert.equal(none.status, 403, `POST ${r.path} without a token`);
      assert.match(none.text, /CSRF/, `POST ${r.path} says why`);
      const wrong = await admin.post(path, { x: '1', _csrf: 'forged-token' }, { csrf: false });
      assert.equal(wrong.status, 403, `POST ${r.path} with a forged token`);
      const header = await admin.request('POST', path, { body: '{}', headers: { 'content-type': 'application/json', 'x-csrf-token': 'forged' } });
      assert.equal(header.status, 403, `POST ${r.path} with a forged header`);
    }
  });

  it("a pre-login token does not pass for a logged-in user's session", async () => {
    const anon = new Client(stack.url);
    await anon.get('/login');
    const stolen = anon.csrf;
    const res = await admin.post('/accounts', { name: 'x', _csrf: stolen }, { csrf: false });
    assert.equal(res.status, 403);
  });

  it('the CSRF token in a header passes (fetch calls)', async () => {
    await admin.get('/accounts');
    const res = await admin.request('POST', '/lang', {
      body: JSON.stringify({ lang: 'en', next: '/accounts' }),
      headers: { 'content-type': 'application/json', 'x-csrf-token': admin.csrf },
    });
    assert.equal(res.status, 302);
  });

  it('a viewer cannot use operator or admin routes', async () => {
    await viewer.get('/accounts');
    for (const r of routes.filter((x) => x.access === 'admin' || (x.access === 'operator' && x.method === 'POST'))) {
      const path = fill(r.path);
      const res = r.method === 'GET' ? await viewer.get(path) : await viewer.post(path, { x: '1' });
      assert.equal(res.status, 403, `${r.method} ${r.path} for a viewer`);
    }
  });

  it('a state change leaves an audit entry with the user', async () => {
    await admin.get('/users');
    const res = await admin.post('/users/2/role', { role: 'operator' });
    assert.equal(res.status, 302);
    const entry = (await stack.store.audit.list()).find((e) => e.action === 'user.role');
    assert.equal(entry?.actor, 'user:admin');
  });

  it('logging out ends the session on the server', async () => {
    const c = new Client(stack.url);
    await c.get('/login');
    await c.post('/login', { username: 'admin', password: 'admin password 1' });
    const cookie = c.cookies.get('wr_session')!;
    await c.get('/accounts');
    assert.equal((await c.post('/logout')).status, 302);
    const replay = new Client(stack.url);
    replay.cookies.set('wr_session', cookie);
    assert.equal((await replay.get('/accounts')).status, 302, 'the old cookie no longer works');
    const tampered = new Client(stack.url);
    tampered.cookies.set(
      'wr_session',
      cookie.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')),
    );
    assert.equal((await tampered.get('/accounts')).status, 302);
  });
});
