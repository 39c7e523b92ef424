// Memory at rest (issue 17): `weiroto start` does not load the admin pages, the HTTP API, the
// wechatbot-webhook compat code, axios, undici, prom-client, pretty logging, the iLink transport or the
// QR's PNG encoder while nobody uses them, and the
// panel and the API still answer their first request behind the same listener. What the process
// loaded is read from its own module log (test/helpers/module-log.mjs, a node --import preload).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startWeiroto } from '../helpers/weiroto-process.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { waitFor, waitUntil } from '../../src/testing/wait.js';
import { testStoreKind } from '../helpers/store.js';

const PRELOAD = resolve(import.meta.dirname, '../helpers/module-log.mjs');

/** Modules a bot at rest must not have loaded: [what, how its module log line ends]. */
const LAZY: [string, RegExp][] = [
  ['the admin pages', /\/dist\/src\/admin\/index\.js$/],
  ['EJS', /\/node_modules\/ejs\//],
  ['the HTTP API', /\/dist\/src\/api\/middleware\.js$/],
  ['the OpenAPI document', /\/dist\/src\/api\/openapi\.js$/],
  ['the compat callback format', /\/dist\/src\/compat\/wechatbot-webhook\/callback-format\.js$/],
  ['the compat listener', /\/dist\/src\/compat\/wechatbot-webhook\/listener\.js$/],
  ['axios', /^require axios$|\/node_modules\/axios\//],
  ['pino-pretty', /^require pino-pretty$/],
  ['the sandbox', /\/dist\/src\/sandbox\//],
  ['undici (fetch, FormData)', /^require .*undici/],
  ['prom-client (made at the first /metrics scrape)', /^require prom-client$|\/node_modules\/prom-client\/|\/node_modules\/@opentelemetry\//],
  ['the iLink transport (imported before its first account; its hosts are a file of their own)', /\/dist\/src\/ilink\/(?!endpoints\.js$)/],
  ['qrcode and pngjs (a QR is drawn when its PNG is first read)', /^require (qrcode|pngjs)$|\/node_modules\/(qrcode|pngjs)\//],
  [
    'the code of plugins nobody switched on (their manifests only)',
    /\/dist\/plugins\/(admin-commands|ai|echo|forward|friends|room-welcome|schedule)\/(?!manifest\.js$)/,
  ],
  ['croner (the schedule plugin)', /\/node_modules\/croner\//],
  ['ioredis, BullMQ and the cluster layer (only with REDIS_URL)', /\/node_modules\/(ioredis|bullmq)\/|\/dist\/src\/cluster\//],
  // The PostgreSQL driver only with DATABASE_URL (the suite may run on either store).
  ...(testStoreKind === 'sqlite' ? [['pg (only with DATABASE_URL)', /^require pg$|\/node_modules\/pg(-pool)?\//] as [string, RegExp]] : []),
];

describe('weiroto start loads the panel and the API on first use (process)', () => {
  it('has none of them loaded while the account waits for a scan, and answers the first panel and API requests', async () => {
    const sandbox = await startSandbox({ holdMs: 300 });
    const dataDir = mkdtempSync(join(tmpdir(), 'w-lazy-'));
    const moduleLog = join(dataDir, 'modules.log');
    const p = await startWeiroto({
      PORT: '0',
      DATA_DIR: dataDir,
      SEND_PACING: 'off',
      WECHAT_ENDPOINT: sandbox.origin,
      NODE_OPTIONS: `--import ${PRELOAD}`,
      WEIROTO_MODULE_LOG: moduleLog,
    });
    try {
      const url = await waitFor(() => /"url":"(http:\/\/[^"]+)"/.exec(p.out())?.[1], 20_000, 'the listening line');
      await waitUntil(async () => (await sandbox.control.state()).qrcodes.length > 0, 10_000, 'the first account to ask for a QR');

      const loaded = (): string[] => readFileSync(moduleLog, 'utf8').split('\n');
      const atRest = loaded();
      // The log sees what the server loads (so that the absences below mean something).
      assert.ok(atRest.some((l) => l.endsWith('/dist/src/main.js')));
      assert.ok(atRest.some((l) => l.endsWith('/dist/src/admin/lazy.js')));
      assert.ok(atRest.some((l) => l.includes('/node_modules/better-sqlite3/')));
      assert.ok(
        atRest.some((l) => l.endsWith('/dist/plugins/auto-reply/index.js')),
        'the plugin BOT_PLUGINS switches on (its default) is loaded',
      );
      assert.ok(atRest.some((l) => l.endsWith('/dist/plugins/ai/manifest.js')));
      assert.ok(
        // better-sqlite3 requires its native binding when it opens the file; pg requires its pool as it loads.
        atRest.some((l) => l === (testStoreKind === 'sqlite' ? 'require bindings' : 'require pg-pool')),
        'the log sees CommonJS requires too',
      );
      // koa, type-is and accepts share one mime-db (package.json overrides): its index runs once per copy.
      assert.equal(atRest.filter((l) => l === 'require ./db.json').length, 1, 'one copy of mime-db');
      for (const [what, pattern] of LAZY) {
        assert.equal(
          atRest.find((l) => pattern.test(l)),
          undefined,
          `${what} is loaded before first use`,
        );
      }

      // First API request: the module loads behind the same listener and answers as always.
      const doc = await fetch(url + '/api/v1/openapi.json');
      assert.equal(doc.status, 200);
      assert.equal(((await doc.json()) as { openapi: string }).openapi.slice(0, 2), '3.');
      const noToken = await fetch(url + '/api/v1/accounts');
      assert.equal(noToken.status, 401);
      assert.equal(((await noToken.json()) as { error: { code: string } }).error.code, 'unauthorized');

      // First panel request: a fresh install leads to the setup form.
      const setup = await fetch(url + '/setup');
      assert.equal(setup.status, 200);
      assert.match(await setup.text(), /<form[^>]*method="post"/i);
      const home = await fetch(url + '/', { redirect: 'manual' });
      assert.equal(home.status, 302);
      assert.equal(home.headers.get('location'), '/setup');

      const after = loaded();
      assert.ok(
        after.some((l) => l.endsWith('/dist/plugins/ai/index.js')),
        'every plugin is loaded for the panel and the API',
      );
      for (const [what, pattern] of LAZY.slice(0, 4))
        assert.ok(
          after.some((l) => pattern.test(l)),
          `${what} loaded on first use`,
        );
    } finally {
      p.child.kill('SIGTERM');
      const [code] = await p.exited;
      assert.equal(code, 0, p.err());
      await sandbox.close();
    }
  });
});
