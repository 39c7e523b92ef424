// The middleware built on first request (src/http/lazy-middleware.ts), behind a real HTTP listener:
// paths it does not own never load it, concurrent first requests share one load, a failed load
// answers 503 saying what failed (and is retried), and the admin panel and the API use it that way.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Koa from 'koa';
import { listen, type Listening } from '../../src/http/listen.js';
import { lazyMiddleware } from '../../src/http/lazy-middleware.js';
import { createLazyApiMiddleware } from '../../src/api/lazy.js';
import { captureLog } from '../helpers/log-capture.js';
import { waitUntil } from '../../src/testing/wait.js';
import type { ApiDeps } from '../../src/api/types.js';

async function serve(...mws: Koa.Middleware[]): Promise<Listening> {
  const app = new Koa();
  app.silent = true;
  for (const mw of mws) app.use(mw);
  app.use((ctx) => {
    ctx.body = 'next';
  });
  return listen(app, '127.0.0.1', 0);
}

describe('lazyMiddleware', () => {
  it('builds once on the first request it owns, shared by concurrent requests; other paths pass by', async () => {
    const { log } = captureLog();
    let builds = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const lazy = lazyMiddleware({
      what: 'the thing',
      build: async () => {
        builds++;
        await gate;
        return (ctx: Koa.Context) => void (ctx.body = `built ${ctx.path}`);
      },
      log,
      owns: (p) => p.startsWith('/thing'),
    });
    let arrived = 0;
    const count: Koa.Middleware = (_ctx, next) => (arrived++, next());
    const http = await serve(count, lazy);
    try {
      const other = await fetch(`${http.url}/elsewhere`);
      assert.equal(await other.text(), 'next');
      assert.equal(builds, 0, 'a path it does not own loads nothing');
      assert.equal(lazy.built(), undefined);

      const first = fetch(`${http.url}/thing/a`);
      const second = fetch(`${http.url}/thing/b`);
      // Both requests are in before the build finishes: they wait for the same one.
      await waitUntil(() => arrived === 3, 10_000, 'both requests to arrive');
      release();
      assert.deepEqual(await Promise.all([(await first).text(), (await second).text()]), ['built /thing/a', 'built /thing/b']);
      assert.equal(builds, 1);
      assert.notEqual(lazy.built(), undefined);
    } finally {
      await http.close();
    }
  });

  it('answers 503 with what could not be loaded and why, logs it, and tries again on the next request', async () => {
    const captured = captureLog();
    let attempts = 0;
    const lazy = lazyMiddleware({
      what: 'the admin panel',
      build: async () => {
        if (++attempts === 1) throw new Error("Cannot find module '/app/dist/src/admin/index.js'");
        return (ctx: Koa.Context) => void (ctx.body = 'panel');
      },
      log: captured.log,
    });
    const http = await serve(lazy);
    try {
      const res = await fetch(`${http.url}/login`);
      assert.equal(res.status, 503);
      assert.equal(await res.text(), "weiroto: the admin panel could not be loaded: Cannot find module '/app/dist/src/admin/index.js'");
      const logged = captured.records().find((r) => r.level === 50);
      assert.equal(logged?.msg, 'the admin panel could not be loaded');

      const retried = await fetch(`${http.url}/login`);
      assert.equal(retried.status, 200);
      assert.equal(await retried.text(), 'panel');
      assert.equal(attempts, 2);
    } finally {
      await http.close();
    }
  });

  it('the API: a failed import answers its JSON error shape; paths outside /api/v1 and /media/ never import it', async () => {
    const { log } = captureLog();
    let imports = 0;
    const api = createLazyApiMiddleware({ log } as unknown as ApiDeps, async () => {
      imports++;
      throw new Error('disk error');
    });
    const http = await serve(api);
    try {
      assert.equal(await (await fetch(`${http.url}/accounts`)).text(), 'next');
      assert.equal(await (await fetch(`${http.url}/api/v10`)).text(), 'next');
      assert.equal(imports, 0);
      const res = await fetch(`${http.url}/api/v1/accounts`, { headers: { accept: 'application/json' } });
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { error: { code: 'unavailable', message: 'weiroto: the HTTP API could not be loaded: disk error' } });
      assert.equal((await fetch(`${http.url}/media/a1/m1`)).status, 503);
      assert.equal(imports, 2);
    } finally {
      await http.close();
    }
  });
});
