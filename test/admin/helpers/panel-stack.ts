/**
 * A whole panel for tests: sandbox (real web protocol over HTTP) → web transport → AccountManager →
 * plugins → webhook service → admin app, on 127.0.0.1:0, plus a tiny cookie-keeping HTTP client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebTransport } from '../../../src/protocol/index.js';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { AccountManager } from '../../../src/accounts/index.js';
import { PluginRegistry } from '../../../src/pipeline/index.js';
import { createWebhookService, type WebhookService } from '../../../src/webhook/index.js';
import type { Store } from '../../../src/store/index.js';
import { openTestStore, withStoreEnv } from '../../helpers/store.js';
import { listen, type Listening } from '../../../src/http/listen.js';
import { startServer, type RunningServer } from '../../../src/main.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger, type Logger } from '../../../src/logger.js';
import { createAdminApp } from '../../../src/admin/index.js';
import type { AdminHandle, AdminManager } from '../../../src/admin/index.js';
import { FAST } from '../../helpers/fast.js';
import { waitFor } from '../../../src/testing/wait.js';

export interface PanelStack {
  url: string;
  sb: RunningSandbox;
  store: Store;
  /** The data folder (for a look at raw rows: test/helpers/raw-db.ts). */
  dataDir: string;
  manager: AccountManager;
  webhooks: WebhookService;
  admin: AdminHandle;
  close(): Promise<void>;
}

/** The real server's composition: the same handles without the panel's internals. */
export type ServerStack = Omit<PanelStack, 'admin'> & { server: RunningServer };

/**
 * The whole server exactly as `weiroto start` builds it (src/main.ts: ops, API, panel, webhooks,
 * accounts), pointed at a fresh sandbox. No account is created until the operator adds one.
 */
export async function startServerStack(
  options: {
    sandbox?: Parameters<typeof startSandbox>[0];
    /** More environment variables (TRUST_PROXY, API_TOKEN, METRICS_PORT …). */
    env?: Record<string, string>;
    log?: Logger;
    /** Reuse this data directory (a restart); it is then left in place on close. */
    dataDir?: string;
  } = {},
): Promise<ServerStack> {
  const sb = await startSandbox({ holdMs: 300, contacts: 8, rooms: 2, roomSize: 4, ...options.sandbox });
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'weiroto-server-'));
  const config = loadConfig(
    await withStoreEnv({
      PORT: '0',
      DATA_DIR: dir,
      BOT_PLUGINS: '',
      SEND_PACING: 'off',
      WECHAT_ENDPOINT: sb.origin,
      API_ALLOW_PRIVATE_URLS: 'true',
      ...options.env,
    }),
    { envFile: false },
  );
  const server = await startServer({ config, log: options.log ?? silentLogger(), startAccounts: false });
  return {
    url: server.url,
    sb,
    store: server.store,
    dataDir: dir,
    manager: server.manager,
    webhooks: server.webhooks,
    server,
    async close() {
      await server.close();
      await sb.close();
      if (!options.dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startPanelStack(options: { adminPassword?: string; sandbox?: Parameters<typeof startSandbox>[0] } = {}): Promise<PanelStack> {
  const log = silentLogger();
  const sb = await startSandbox({ holdMs: 300, contacts: 8, rooms: 2, roomSize: 4, ...options.sandbox });
  const dir = mkdtempSync(join(tmpdir(), 'weiroto-admin-'));
  const store = await openTestStore({ dataDir: dir });
  const registry = await PluginRegistry.load();
  const webhooks = await createWebhookService({
    store,
    log,
    allowPrivateUrls: true,
    sendReply: async (account, chatId, content, opts) => manager.get(account)?.send({ id: chatId }, content, opts),
    worker: { pollMs: 50 },
  });
  const manager: AccountManager = new AccountManager({
    store,
    log,
    createTransport: () => createWebTransport({ endpoint: sb.origin, ...FAST }),
    pluginRegistry: registry,
    sendPacing: 'off',
    botPlugins: [],
    eventWriters: [webhooks.eventWriter],
    autoRelogin: false,
  });
  webhooks.start();
  const app = createAdminApp({ manager, registry, store, webhooks, tokens: store.apiTokens, log, config: { adminPassword: options.adminPassword } });
  const http: Listening = await listen(app, '127.0.0.1', 0);
  return {
    url: http.url,
    sb,
    store,
    dataDir: dir,
    manager,
    webhooks,
    admin: app.adminHandle,
    async close() {
      app.adminHandle.close();
      await http.close();
      await manager.stopAll();
      await webhooks.stop();
      await sb.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
  location: string | null;
}

/** A cookie-keeping client that remembers the last CSRF token it saw in a page. */
export class Client {
  cookies = new Map<string, string>();
  csrf = '';
  /** `headers` go with every request (X-Forwarded-For of a client behind a proxy …). */
  constructor(
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: string, path: string, init: { body?: string | FormData; headers?: Record<string, string> } = {}): Promise<Answer> {
    const res = await fetch(this.base + path, {
      method,
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), ...this.headers, ...init.headers },
      ...(init.body !== undefined && { body: init.body }),
    });
    this.keep(res);
    const text = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1]!;
    return { status: res.status, text, headers: res.headers, location: res.headers.get('location') };
  }

  get(path: string): Promise<Answer> {
    return this.request('GET', path);
  }

  /** POST a form; the CSRF token is added unless `csrf: false`. */
  post(path: string, form: Record<string, string | string[]> = {}, options: { csrf?: boolean } = {}): Promise<Answer> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    if (options.csrf !== false) body.set('_csrf', this.csrf);
    return this.request('POST', path, { body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }
}

/** Poll until `fn` returns a truthy value (or fail after `ms`): `waitFor` with the panel tests' longer default bound. */
export async function eventually<T>(fn: () => T | Promise<T>, ms = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  return waitFor(async () => (await fn()) || undefined, ms, what) as Promise<NonNullable<T>>;
}

/**
 * Only the panel app (no accounts, no sandbox) on a fresh store, not listening: for tests that put
 * their own server or clock around it (HTTPS, a fake clock, proxy settings).
 */
export async function bareAdminApp(
  deps: Partial<Parameters<typeof createAdminApp>[0]> = {},
): Promise<{ app: ReturnType<typeof createAdminApp>; store: Store; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'weiroto-bare-admin-'));
  const store = await openTestStore({ dataDir: dir });
  const manager: AdminManager = {
    list: () => [],
    get: () => undefined,
    add: () => Promise.reject(new Error('no accounts in a bare panel')),
    remove: async () => {},
    start: async () => {},
    stop: async () => {},
    logout: async () => {},
    onEvent: () => () => {},
    plugins: () => undefined,
    retryNow: async () => false,
    submitVerifyCode: async () => 'pending',
    timeline: async () => [],
    onTimeline: () => () => {},
  };
  const app = createAdminApp({ manager, registry: await PluginRegistry.load(), store, log: silentLogger(), config: {}, ...deps });
  return {
    app,
    store,
    close() {
      app.adminHandle.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A server stack with one account online on the sandbox, its first friend and room known, and an admin signed in over HTTP. */
export interface OnlineAccount {
  stack: ServerStack;
  account: string;
  /** A friend's nickname and a room's topic, both in the account's directory. */
  friend: string;
  topic: string;
  admin: Client;
}

/**
 * Start the server `weiroto start` builds (ADMIN_PASSWORD = `password`, the sandbox scanning and
 * confirming by itself), add an account and wait until its directory holds a friend and a room.
 */
export async function startOnlineAccount(password: string, env: Record<string, string> = {}): Promise<OnlineAccount> {
  const stack = await startServerStack({ sandbox: { autoScanMs: 10, autoConfirmMs: 10 }, env: { ADMIN_PASSWORD: password, ...env } });
  const bot = await stack.manager.add('shop');
  await eventually(() => bot.info().state === 'online', 15_000, 'online');
  const world = (await stack.sb.control.state(true)).accounts[0]!;
  const friend = world.friends.find((f) => f.kind === 'friend')!.nickname;
  const topic = world.rooms[0]!.topic;
  await eventually(() => bot.directory.findRoom(topic), 10_000, 'the room in the directory');
  const admin = await signIn(stack.url, 'admin', password);
  return { stack, account: bot.id, friend, topic, admin };
}

/** A client signed in to the panel (it has seen a page, so it holds a CSRF token). */
export async function signIn(url: string, username: string, password: string): Promise<Client> {
  const admin = new Client(url);
  await admin.get('/login');
  const r = await admin.post('/login', { username, password });
  if (r.status !== 302) throw new Error(`sign-in answered ${r.status}`);
  await admin.get('/');
  return admin;
}
