/**
 * The only place that wires concrete parts together: store, plugins, accounts, webhooks, API,
 * admin panel and (for the demo) the sandbox. `startServer` returns a handle whose `close()` stops
 * everything in order: account loops and in-flight sends first, then HTTP, then the database.
 */
import Koa from 'koa';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { connectStore, type Store } from './store/index.js';
import { listen, type Listening } from './http/listen.js';
import { metricsOnlyMiddleware, opsMiddleware, type ReadinessCheck } from './http/ops.js';
import { requestErrorLogger } from './http/request-errors.js';
import { MetricsLater } from './http/metrics-later.js';
import { PluginRegistry } from './pipeline/index.js';
import { aiDeploymentDefaults } from './pipeline/config-defaults.js';
import type { OutboundPolicy } from './util/outbound-guard.js';
import { join } from 'node:path';
import { packageRoot } from './util/paths.js';
import { AccountManager } from './accounts/index.js';
import { transportFactory } from './transports.js';
import { demoBanner, startDemoAccounts } from './demo-accounts.js';
import { startBanner } from './start-banner.js';
import type { RunningSandbox } from './sandbox/index.js';
import { createCommitSignal, createEventLog, createWebhookService, replySenderFor, type WebhookService, type WebhookServiceDeps } from './webhook/index.js';
import { CALLBACK_FORMAT, createWechatbotWebhookCompat } from './compat/wechatbot-webhook/index.js';
import type { ApiTokens } from './api/index.js';
// The panel's pages and the API are imported on their first request (lazy.ts): a bot at rest does not carry them.
import { createLazyApiMiddleware } from './api/lazy.js';
import { createLazyAdminMiddleware } from './admin/lazy.js';
import type { Clock } from './util/clock.js';
import type { RunningCluster } from './cluster/index.js';

export interface RunningServer {
  url: string;
  store: Store;
  manager: AccountManager;
  registry: PluginRegistry;
  webhooks: WebhookService;
  tokens: ApiTokens;
  /** The separate /metrics bind (set when METRICS_PORT is). */
  metricsUrl?: string;
  /** Set in demo mode. */
  sandbox?: RunningSandbox;
  /** The wechatbot-webhook compatible listener, when COMPAT_WECHATBOT_WEBHOOK_PORT is set. */
  compatUrl?: string;
  /** Stop everything; safe to call twice. */
  close(): Promise<void>;
}

export interface ServerOptions {
  config: Config;
  log: Logger;
  /** Also run the sandbox in this process and point every account at it (`weiroto demo`). */
  demo?: boolean;
  /** Start enabled accounts (and create the first one when none exists). Default true. */
  startAccounts?: boolean;
  /** The accounts' clock (tests: a clock that records the waits); default the system clock. */
  clock?: Clock;
  /** The webhook worker's settings (tests: a poll interval too long to hide a missed wake). */
  webhookWorker?: WebhookServiceDeps['worker'];
}

/**
 * @example
 *   const server = await startServer({ config: loadConfig(), log: createLogger() });
 *   // … later, on SIGTERM:
 *   await server.close();
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { log } = options;
  let config = options.config;
  const closers: (() => Promise<void> | void)[] = [];
  const runClosers = async (): Promise<void> => {
    for (const c of closers.splice(0)) {
      try {
        await c();
      } catch (e) {
        log.error({ err: e }, 'error while stopping');
      }
    }
  };

  try {
    let sandbox: RunningSandbox | undefined;
    if (options.demo) {
      const { startSandbox } = await import('./sandbox/index.js');
      sandbox = await startSandbox({ host: config.sandboxHost, port: config.sandboxPort, logger: log.child({ ns: 'sandbox' }) });
      closers.push(() => sandbox!.close());
      config = { ...config, wechatEndpoint: sandbox.origin, ilink: { baseUrl: sandbox.origin, cdnUrl: `${sandbox.origin}/c2c` } };
    }

    const store = await connectStore({ dataDir: config.dataDir, secretKey: config.secretKey, databaseUrl: config.databaseUrl });
    closers.unshift(() => store.close());

    const registry = await PluginRegistry.load({
      pluginDir: config.pluginDir,
      // npm packages named weiroto-plugin-*: installed beside the project, or into weiroto's own folder.
      packageDirs: [join(process.cwd(), 'node_modules'), join(packageRoot(), 'node_modules')],
      // Built-ins are known by their manifests; an account loads the code of those it switches on.
      lazy: true,
    });
    for (const p of registry.problems) log.warn({ path: p.path }, `plugin not loaded: ${p.error}`);

    // The webhook outbox row is written in the same transaction as the event it describes, so the
    // service exists before the manager; replies reach the manager through a late-bound getter.
    const late: { manager?: AccountManager; panelUrl?: string } = {};
    const compat = createWechatbotWebhookCompat({
      config: config.compat,
      accounts: () => late.manager!,
      allowPrivateUrls: config.apiAllowPrivateUrls,
      log,
    });
    // REDIS_URL: this node runs the accounts whose leases it takes; the coordinator fences their writes and sends;
    // sends and webhook deliveries go through the cluster's queues.
    let cluster: RunningCluster | undefined;
    if (config.cluster) {
      const { redisUrl, nodeId, leaseTtlMs, joinWaitMs } = config.cluster;
      // Loaded only here: ioredis, BullMQ and the cluster layer weigh a few MiB that a single node never needs.
      const { connectCluster } = await import('./cluster/index.js');
      cluster = await connectCluster({ url: redisUrl, node: nodeId, ttlMs: leaseTtlMs, joinWaitMs, store, log }, () => late.manager!);
    }
    // Woken once per committed event (below): the webhook worker and the event stream readers wait on it.
    const committed = createCommitSignal();
    const webhooks = await createWebhookService({
      store,
      committed,
      log,
      publicUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
      allowPrivateUrls: config.apiAllowPrivateUrls,
      sendReply: replySenderFor(() => late.manager!),
      formats: { [CALLBACK_FORMAT]: compat.format },
      ...(cluster && { jobs: cluster.webhookJobs }),
      ...(options.webhookWorker && { worker: options.webhookWorker }),
    });
    // Every journalled event, for GET /api/v1/events (written in the same transaction as the outbox rows).
    const eventLog = createEventLog(store.eventLog, (account, messageId) => webhooks.mediaLinks.link(account, messageId), { committed });
    if (config.webhookUrl) await webhooks.ensureEndpointFromConfig(config.webhookUrl, config.webhookSecret);
    const tokens = store.apiTokens;
    if (config.apiToken && (await tokens.ensureToken(config.apiToken)).revokedAt !== undefined) {
      log.warn('API_TOKEN was revoked in the panel and stays revoked; set a new value to have a token from the environment again');
    }

    // Plugins reach private addresses only where the operator said so: everywhere with
    // API_ALLOW_PRIVATE_URLS, else AI_BASE_URL's origin (a local model server) and ALLOW_PRIVATE_ORIGINS.
    const pluginHttpPolicy: OutboundPolicy = {
      allowPrivate: config.apiAllowPrivateUrls,
      trustedOrigins: [...(config.ai.baseUrl ? [new URL(config.ai.baseUrl).origin] : []), ...config.allowPrivateOrigins],
    };
    const coordinator = cluster?.coordinator;
    // Events another node committed wake this node's event stream readers (they read the shared log from where they stopped).
    coordinator?.onEventsElsewhere(() => committed.wake(true));
    // The terminal QR is for `weiroto start`; the demo user scans on the phone page.
    const transports = transportFactory({
      config,
      // In a cluster the iLink seen keys are written fenced, as the account's other rows.
      store: coordinator ? { seenKeys: (account) => coordinator.seenKeys(account, store) } : store,
      log,
      printQr: !options.demo && process.stdout.isTTY === true,
      panelUrl: () => late.panelUrl,
    });
    const manager = new AccountManager({
      store,
      ...(coordinator && { cluster: coordinator }),
      log,
      ...(options.clock && { clock: options.clock }),
      eventWriters: [webhooks.eventWriter, eventLog.write],
      pluginRegistry: registry,
      sendPacing: config.sendPacing,
      chatConcurrency: config.chatConcurrency,
      loginRetryMaxMs: config.loginRetryMaxMs,
      reloginDelayMs: config.reloginDelayMs,
      proxySet: config.proxySet,
      maxHoldMs: config.outboxHoldMs,
      loginConcurrency: config.loginConcurrency,
      // The demo must answer out of the box (auto-reply starts without rules): with BOT_PLUGINS
      // left at its default, echo is switched on too.
      botPlugins: options.demo && !config.botPluginsSet ? ['echo', ...config.botPlugins] : config.botPlugins,
      dataDir: config.dataDir,
      // AI_BASE_URL / AI_API_KEY / AI_MODEL fill the ai plugin's settings where they are left blank;
      // AI_API_KEY only ever goes to AI_BASE_URL.
      pluginConfigDefaults: { ai: aiDeploymentDefaults(config.ai, pluginHttpPolicy) },
      pluginHttpPolicy,
      createTransport: transports.create,
      loadTransport: transports.load,
    });
    late.manager = manager;
    // Every event is announced once its COMMIT is done: the stream readers read the log and the webhook worker looks for
    // the deliveries then. On PostgreSQL an account's writes run on a line of their own: a wake at write time came
    // before that COMMIT, and a reader or the worker could look too early.
    manager.onEvent(() => committed.wake());
    const webhookStop = new AbortController();
    webhooks.start(webhookStop.signal);
    // Stop order: accounts (loops, in-flight sends), then the webhook worker, then HTTP, then the store.
    closers.unshift(async () => {
      webhookStop.abort();
      await webhooks.stop();
    });
    closers.unshift(async () => {
      // SIGTERM in a cluster: every account is handed over (stopped, persisted, released) first.
      await cluster?.close();
      await manager.stopAll();
    });

    const checks: ReadinessCheck[] = [
      {
        name: 'store',
        check: async () => ((await store.ping()) ? undefined : 'the database did not answer'),
      },
      {
        name: 'accounts',
        check: () => {
          // In a cluster, the accounts this node runs (the others are another node's to report).
          const notOnline = manager.list().filter((a) => a.enabled && (!cluster || manager.runsHere(a.id)) && a.state !== 'online');
          return notOnline.length ? notOnline.map((a) => `${a.id}: ${a.state}`).join(', ') : undefined;
        },
      },
    ];
    // TRUST_PROXY: one proxy hop; the last X-Forwarded-For entry is the one our proxy added.
    const app = new Koa({ proxy: config.trustProxy, maxIpsCount: 1 });
    app.silent = true;
    app.on('error', requestErrorLogger(log, 'http error'));
    const metrics = new MetricsLater();
    const admin = createLazyAdminMiddleware({ manager, registry, store, webhooks, tokens, log, config, metrics, ...(coordinator && { cluster: coordinator }) });
    app.use(opsMiddleware({ checks, log, metrics, metricsToken: async (t) => (await tokens.verify(t)) !== undefined }));
    app.use(
      createLazyApiMiddleware({
        manager,
        registry,
        store,
        webhooks,
        events: eventLog,
        tokens,
        log,
        config,
        rateLimit: { capacity: config.apiRateLimit.burst, refillPerSec: config.apiRateLimit.perSec },
        ...(coordinator && { cluster: coordinator }),
      }),
    );
    app.use(admin); // last: it answers unknown paths with its 404 page
    const http: Listening = await listen(app, config.host, config.port);
    late.panelUrl = config.publicUrl ?? http.url;
    closers.splice(
      2,
      0,
      () => http.close(),
      () => admin.close(),
    );
    let metricsUrl: string | undefined;
    if (config.metrics.port !== undefined) {
      const metricsApp = new Koa();
      metricsApp.silent = true;
      metricsApp.on('error', requestErrorLogger(log, 'metrics: request failed'));
      metricsApp.use(metricsOnlyMiddleware(metrics));
      const metricsHttp = await listen(metricsApp, config.metrics.host, config.metrics.port);
      closers.splice(2, 0, () => metricsHttp.close());
      metricsUrl = `${metricsHttp.url}/metrics`;
    }

    manager.onEvent((e) => {
      if (e.type === 'account.state') log.debug({ account: e.account, data: e.data }, 'account state');
    });
    let compatUrl: string | undefined;
    if (config.compat) {
      // The listener binds to an account (and DISABLE_AUTO_LOGIN clears its session) before any starts.
      await manager.load();
      const listener = await compat.start({
        host: config.host,
        webhooks,
        tokens: (t) => tokens.verify(t),
        clearSession: (id) => store.sessions.clear(id),
        events: eventLog,
      });
      closers.splice(2, 0, () => listener.close());
      compatUrl = listener.url;
    }

    log.info({ url: http.url, dataDir: config.dataDir, ...(metricsUrl && { metricsUrl }) }, `weiroto listening on ${http.url}`);
    const setupCode = await admin.setupCode();
    let setupUrl: string | undefined;
    if (setupCode) {
      // Like Jupyter's token: a fresh install may be claimed from this machine, or by whoever reads this log.
      setupUrl = `${config.publicUrl ?? http.url}/setup?code=${setupCode}`;
      log.warn({ setupUrl }, `first run: no administrator yet. Open ${http.url}/setup on this machine, or ${setupUrl} (setup code ${setupCode})`);
    }
    if (sandbox) {
      log.info({ sandbox: sandbox.origin }, `sandbox phone page: ${sandbox.origin}/sandbox`);
      process.stdout.write(demoBanner(http.url, sandbox.origin));
    } else if (options.startAccounts !== false) {
      process.stdout.write(
        startBanner({
          panelUrl: http.url,
          ...(setupUrl && { setupUrl }),
          ...(config.wechatEndpoint && { wechatEndpoint: config.wechatEndpoint }),
          transport: config.wechatTransport,
        }),
      );
    }
    // After the banner, so that a terminal QR (and its caption) follows it instead of scrolling it away.
    if (options.startAccounts !== false) {
      if (options.demo) await startDemoAccounts(manager);
      else if (cluster) await cluster.start();
      else await manager.startAll({ createIfNone: true, transport: config.wechatTransport });
    }

    let closing: Promise<void> | undefined;
    return {
      url: http.url,
      store,
      manager,
      registry,
      webhooks,
      tokens,
      ...(metricsUrl && { metricsUrl }),
      ...(sandbox && { sandbox }),
      ...(compatUrl && { compatUrl }),
      close: () => (closing ??= runClosers()),
    };
  } catch (e) {
    await runClosers();
    throw e;
  }
}
