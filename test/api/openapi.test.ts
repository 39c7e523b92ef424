import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import { listen, type Listening } from '../../src/http/listen.js';
import { createWebhookService } from '../../src/webhook/index.js';
import { createApiMiddleware, type ApiMiddleware, type ApiManager } from '../../src/api/index.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import type { BotInfo } from '../../src/bot/types.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('openapi.json matches the router', () => {
  let dir: string;
  let store: Store;
  let http: Listening;
  let api: ApiMiddleware;
  let token: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-oa-'));
    store = await openTestStore({ dataDir: dir });
    const log = silentLogger();
    const webhooks = await createWebhookService({ store, log, sendReply: async () => {} });
    const manager: ApiManager = { list: (): BotInfo[] => [], get: () => undefined, plugins: () => undefined, timeline: async () => [] };
    const tokens = store.apiTokens;
    token = (await tokens.create('t')).token;
    api = createApiMiddleware({
      manager,
      registry: new PluginRegistry([]),
      store,
      webhooks,
      tokens,
      log,
      config: { apiAllowPrivateUrls: false },
      rateLimit: { capacity: 3, refillPerSec: 0.5 },
    });
    const app = new Koa();
    app.use(api);
    http = await listen(app, '127.0.0.1', 0);
  });
  after(async () => {
    await http.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('documents every registered route and registers every documented operation', async () => {
    const res = await fetch(`${http.url}/api/v1/openapi.json`);
    assert.equal(res.status, 200, 'served without a token');
    const doc = (await res.json()) as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    assert.equal(doc.openapi, '3.1.0');
    const base = doc.servers[0]!.url;
    const registered = new Set<string>();
    for (const layer of api.router.stack) {
      const path = String(layer.path)
        .replace(base, '')
        .replace(/:(\w+)/g, '{$1}');
      for (const m of layer.methods) if (m !== 'HEAD') registered.add(`${m.toLowerCase()} ${path}`);
    }
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const m of Object.keys(item)) if (METHODS.includes(m)) documented.add(`${m} ${path}`);
    }
    assert.ok(registered.size >= 20, `only ${registered.size} routes`);
    assert.deepEqual(
      [...registered].filter((r) => !documented.has(r)),
      [],
      'registered but not documented',
    );
    assert.deepEqual(
      [...documented].filter((d) => !registered.has(d)),
      [],
      'documented but not registered',
    );
    // Path parameters are declared for each operation that has them.
    for (const [path, item] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [m, o] of Object.entries(item)) {
        const params = ((o as { parameters?: { name: string; in: string }[] }).parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        assert.deepEqual(params.sort(), [...names].sort(), `${m} ${path} path parameters`);
        assert.ok(Object.keys(o.responses).length > 0);
      }
    }
  });

  it('limits each token with a token bucket: 429 with Retry-After, and JSON errors', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${http.url}/api/v1/accounts`, { headers: { authorization: `Bearer ${token}` } });
      statuses.push(r.status);
      if (r.status === 429) {
        retryAfter = r.headers.get('retry-after');
        const body = (await r.json()) as { error: { code: string } };
        assert.equal(body.error.code, 'rate_limited');
      } else await r.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.ok(Number(retryAfter) >= 1);
  });
});
