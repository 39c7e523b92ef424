/**
 * Prometheus metrics with prom-client, on a registry per server instance (never the global
 * default, so two servers in one process keep separate figures). Gauges read the current state at
 * scrape time; message counters count the events this process has seen, in plain numbers from the
 * start, which the counters report when scraped (the registry, and prom-client, are only made at the
 * first scrape: http/metrics-later.ts).
 */
import type * as PromClient from 'prom-client';
import type { MetricsLater } from '../http/metrics-later.js';
import type { AdminDeps } from './deps.js';
import type { WebhooksAdapter } from './webhooks-adapter.js';

const STATES = ['stopped', 'starting', 'needs-login', 'waiting-scan', 'waiting-confirm', 'online', 'logged-out', 'failed'];

/** Define the panel's metrics on `metrics`; `close()` stops counting events. */
export function createAdminMetrics(metrics: MetricsLater, deps: AdminDeps, webhooks: WebhooksAdapter | undefined): { close(): void } {
  const received = new Map<string, number>();
  const sent = new Map<string, number>();
  const unsubscribe = deps.manager.onEvent((e) => {
    const counts =
      e.type === 'message.sent' ? sent : e.type === 'message.received' && (e.data as { isSelf?: boolean } | undefined)?.isSelf !== true ? received : undefined;
    counts?.set(e.account, (counts.get(e.account) ?? 0) + 1);
  });
  metrics.define((registry, client) => defineAdminMetrics(registry, client, deps, webhooks, { received, sent }));
  return { close: unsubscribe };
}

function defineAdminMetrics(
  registry: PromClient.Registry,
  { Counter, Gauge }: typeof PromClient,
  deps: AdminDeps,
  webhooks: WebhooksAdapter | undefined,
  counted: { received: Map<string, number>; sent: Map<string, number> },
): void {
  new Gauge({
    name: 'weiroto_accounts',
    help: 'Accounts by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = new Map<string, number>(STATES.map((s) => [s, 0]));
      for (const a of deps.manager.list()) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
      for (const [state, n] of counts) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'weiroto_outbox_depth',
    help: 'Outgoing messages waiting to be sent, per account.',
    labelNames: ['account'],
    registers: [registry],
    async collect() {
      const pending = await deps.store.outbound.pendingByAccount();
      this.reset();
      for (const a of deps.manager.list()) this.set({ account: a.id }, 0);
      for (const r of pending) this.set({ account: r.account }, r.count);
    },
  });
  new Gauge({
    name: 'weiroto_plugin_errors',
    help: 'Plugin failures recorded (threw, rejected, timed out), per account and plugin.',
    labelNames: ['account', 'plugin'],
    registers: [registry],
    async collect() {
      const counts = await deps.store.pluginErrors.countsByPlugin();
      this.reset();
      for (const r of counts) this.set({ account: r.account, plugin: r.plugin }, r.count);
    },
  });
  if (webhooks) {
    new Gauge({
      name: 'weiroto_webhook_deliveries',
      help: 'Webhook deliveries in the outbox, by status.',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const counts = await webhooks.countsByStatus();
        this.reset();
        for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
      },
    });
  }
  // Counted since start (see createAdminMetrics), reported as they stand at each scrape.
  const counter = (name: string, help: string, counts: Map<string, number>): void =>
    void new Counter({
      name,
      help,
      labelNames: ['account'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [account, n] of counts) this.inc({ account }, n);
      },
    });
  counter('weiroto_messages_received_total', 'Chat messages received.', counted.received);
  counter('weiroto_messages_sent_total', 'Messages sent to WeChat.', counted.sent);
}
