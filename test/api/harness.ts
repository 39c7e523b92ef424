/**
 * A weiroto composition for API tests: the sandbox, a real AccountManager over a temp SQLite store
 * with the web-protocol client, the webhook service (its writer registered on the manager) and the
 * API middleware on a Koa app on 127.0.0.1:0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import { z } from 'zod';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { createWebTransport } from '../../src/protocol/index.js';
import { AccountManager } from '../../src/accounts/index.js';
import type { Bot } from '../../src/bot/index.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { definePlugin } from '../../src/plugin.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import { listen, type Listening } from '../../src/http/listen.js';
import { createWebhookService, replySenderFor, type WebhookService } from '../../src/webhook/index.js';
import { createApiMiddleware, type ApiMiddleware, type ApiTokens } from '../../src/api/index.js';
import type { RateLimitOptions } from '../../src/api/index.js';
import { FAST } from '../helpers/fast.js';
import type { Transport } from '../../src/transport/transport.js';
import { waitUntil } from '../../src/testing/wait.js';

export const greeter = definePlugin({
  name: 'greeter',
  description: 'Says a greeting to "hi".',
  config: z.object({ greeting: z.string().min(1, 'greeting must not be empty').default('hello'), times: z.number().int().min(1).max(3).default(1) }),
  setup(api, config) {
    api.use(async (ctx, next) => {
      if (ctx.text === 'hi') await ctx.reply(config.greeting.repeat(config.times));
      else await next();
    });
  },
});

export interface Harness {
  sb: RunningSandbox;
  store: Store;
  /** The data folder (for a look at raw rows: test/helpers/raw-db.ts). */
  dataDir: string;
  manager: AccountManager;
  bot: Bot;
  webhooks: WebhookService;
  tokens: ApiTokens;
  api: ApiMiddleware;
  config: { apiAllowPrivateUrls: boolean };
  url: string;
  /** A read-write token. */
  token: string;
  call(
    method: string,
    path: string,
    o?: { body?: unknown; token?: string | null; headers?: Record<string, string>; raw?: RequestInit['body'] },
  ): Promise<{ status: number; body: any; headers: Headers }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

/** `allowPrivateUrls` (default true: the tests' receivers live on 127.0.0.1) is API_ALLOW_PRIVATE_URLS. */
export async function startHarness(
  o: { rateLimit?: RateLimitOptions; allowPrivateUrls?: boolean; createTransport?: (accountId: string) => Transport; registry?: PluginRegistry } = {},
): Promise<Harness> {
  const allowPrivateUrls = o.allowPrivateUrls ?? true;
  const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-api-'));
  const sb = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10, contacts: 12, rooms: 2, roomSize: 4 });
  const store = await openTestStore({ dataDir });
  const log = silentLogger();
  const app = new Koa();
  app.silent = true;
  // listen() composes the middleware at once, and the API needs the URL first: delegate.
  const slot: { api?: Koa.Middleware } = {};
  app.use((ctx, next) => (slot.api ? slot.api(ctx, next) : next()));
  app.use((ctx) => {
    ctx.status = 418;
    ctx.body = 'not the api';
  });
  const http: Listening = await listen(app, '127.0.0.1', 0);
  const registry = o.registry ?? new PluginRegistry([greeter]);
  const late: { manager?: AccountManager } = {};
  const webhooks = await createWebhookService({
    store,
    log,
    publicUrl: http.url,
    allowPrivateUrls,
    sendReply: replySenderFor(() => late.manager!),
    worker: { pollMs: 50, retry: { baseMs: 30, maxMs: 200, maxAgeMs: 60_000 } },
  });
  const manager = new AccountManager({
    store,
    log,
    createTransport: o.createTransport ?? (() => createWebTransport({ endpoint: sb.origin, ...FAST })),
    pluginRegistry: registry,
    sendPacing: 'off',
    botPlugins: [],
    autoRelogin: false,
    eventWriters: [webhooks.eventWriter],
  });
  late.manager = manager;
  const tokens = store.apiTokens;
  const config = { apiAllowPrivateUrls: allowPrivateUrls };
  const api = createApiMiddleware({
    manager,
    registry,
    store,
    webhooks,
    tokens,
    log,
    config,
    rateLimit: o.rateLimit ?? { capacity: 10_000, refillPerSec: 10_000 },
  });
  slot.api = api;
  webhooks.start();
  const bot = await manager.add('test');
  await waitUntil(() => bot.info().state === 'online' && bot.directory.contacts().length > 0, 20_000, 'the bot to come online with its contacts');
  const { token } = await tokens.create('tests');
  return {
    sb,
    store,
    dataDir,
    manager,
    bot,
    webhooks,
    tokens,
    api,
    config,
    url: http.url,
    token,
    async call(method, path, c = {}) {
      const headers: Record<string, string> = { ...c.headers };
      const t = c.token === undefined ? token : c.token;
      if (t !== null) headers.authorization = `Bearer ${t}`;
      let body: RequestInit['body'] | undefined = c.raw;
      if (c.body !== undefined) {
        body = JSON.stringify(c.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(http.url + path, { method, headers, ...(body !== undefined && { body }) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      await manager.stopAll();
      await webhooks.stop();
      await http.close();
      await sb.close();
      store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `waitUntil` with the API tests' longer default bound. */
export const until = (pred: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> => waitUntil(pred, timeoutMs, what);
