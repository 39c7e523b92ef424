/**
 * API tokens through the real server and the panel: a revoked API_TOKEN stays revoked across a
 * restart (and the panel says where it comes from); the panel makes read-only tokens the API holds
 * to GET; no part of a token's secret is stored or shown, only a separate random public id.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, startServerStack, type ServerStack } from './helpers/panel-stack.js';
import { openDatabase } from '../../src/store/database.js';
import { packageRoot } from '../../src/util/paths.js';
import { rawRows } from '../helpers/raw-db.js';

const API_TOKEN = 'config-token-0123456789abcdef';
const PASSWORD = 'the admin password';

async function adminClient(stack: ServerStack): Promise<Client> {
  const c = new Client(stack.url);
  await c.get('/login');
  assert.equal((await c.post('/login', { username: 'admin', password: PASSWORD })).status, 302);
  await c.get('/webhooks');
  return c;
}

const api = (stack: ServerStack, token: string, method = 'GET', path = '/api/v1/accounts', body?: unknown): Promise<Response> =>
  fetch(stack.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

describe('API tokens', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-tokens-'));
  let stack: ServerStack | undefined;
  after(async () => {
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('an API_TOKEN revoked in the panel stays revoked after a restart, and the panel says it comes from the environment', async () => {
    const env = { API_TOKEN, ADMIN_PASSWORD: PASSWORD };
    stack = await startServerStack({ env, dataDir });
    assert.equal((await api(stack, API_TOKEN)).status, 200);
    const c = await adminClient(stack);
    const page = await c.get('/webhooks');
    assert.match(page.text, /From API_TOKEN in the environment\. Revoking it is final/);
    const id = /data-token="([^"]+)"/.exec(page.text)![1]!;
    assert.equal((await c.post(`/tokens/${id}/revoke`)).status, 302);
    assert.equal((await api(stack, API_TOKEN)).status, 401);
    await stack.close();

    stack = await startServerStack({ env, dataDir });
    assert.equal((await api(stack, API_TOKEN)).status, 401, 'the restart did not bring the token back');
    const after = await (await adminClient(stack)).get('/webhooks');
    assert.match(after.text, /revoked/);
    await stack.close();
    stack = undefined;
  });

  it('the panel makes a read-only token: GET works, POST is refused with 403', async () => {
    stack = await startServerStack({ env: { ADMIN_PASSWORD: PASSWORD } });
    const c = await adminClient(stack);
    const made = await c.post('/tokens', { name: 'grafana', readOnly: '1' });
    assert.equal(made.status, 200);
    const token = /id="new-token">([^<]+)</.exec(made.text)![1]!;
    assert.match((await c.get('/webhooks')).text, /grafana[\s\S]*read-only/);
    assert.equal((await api(stack, token)).status, 200);
    const post = await api(stack, token, 'POST', '/api/v1/accounts/x/messages', { to: { name: 'Alice' }, text: 'hi' });
    assert.equal(post.status, 403);
    assert.equal(((await post.json()) as { error: { code: string } }).error.code, 'read_only_token');
    const full = /id="new-token">([^<]+)</.exec((await c.post('/tokens', { name: 'ci' })).text)![1]!;
    assert.notEqual((await api(stack, full, 'POST', '/api/v1/accounts/x/messages', { to: { name: 'Alice' }, text: 'hi' })).status, 403);
  });

  it('stores and shows a random public id, never a part of the secret', async () => {
    const c = await adminClient(stack!);
    const token = /id="new-token">([^<]+)</.exec((await c.post('/tokens', { name: 'look' })).text)![1]!;
    const [, publicId, secret] = /^wrt_([0-9a-f]{8})_(.+)$/.exec(token)!;
    assert.ok(secret!.length >= 40);
    const row = (await rawRows<Record<string, unknown>>(stack!.dataDir, "select * from api_tokens where name = 'look'"))[0]!;
    assert.equal(row.public_id, publicId);
    const stored = JSON.stringify(row);
    const page = (await c.get('/webhooks')).text;
    assert.match(page, new RegExp(`<code[^>]*>${publicId}</code>`));
    for (let i = 0; i + 6 <= secret!.length; i++) {
      const piece = secret!.slice(i, i + 6);
      assert.ok(!stored.includes(piece), `the row holds a piece of the secret: ${piece}`);
      assert.ok(!page.includes(piece), `the page shows a piece of the secret: ${piece}`);
    }
  });

  it('the migration replaces the stored first characters of existing tokens with a random public id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weiroto-token-migration-'));
    const before = join(dir, 'migrations');
    mkdirSync(before);
    const all = join(packageRoot(), 'src', 'store', 'migrations');
    // The schema as the previous release left it: every migration up to 021.
    for (const file of readdirSync(all).filter((f) => Number(/^(\d+)-/.exec(f)?.[1] ?? 999) <= 21)) copyFileSync(join(all, file), join(before, file));
    const old = openDatabase(dir, { migrationsDir: before });
    old
      .prepare('insert into api_tokens (id, name, hash, prefix, read_only, created_at) values (?, ?, ?, ?, 0, 1)')
      .run('tok_a', 'API_TOKEN (config)', 'h1', 'wrt_AbCd');
    old.close();
    const db = openDatabase(dir);
    const row = db.prepare("select * from api_tokens where id = 'tok_a'").get() as Record<string, unknown>;
    assert.match(String(row.public_id), /^[0-9a-f]{8}$/);
    assert.equal(row.source, 'config');
    assert.equal('prefix' in row, false);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
