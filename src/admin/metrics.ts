/**
 * Prometheus metrics with prom-client, on a registry per server instance (never the global
 * default, so two servers in one process keep separate figures). Gauges read the current state at
 * scrape time; message counters count the events this process has seen, in plain numbers from the
 * start, which the counters report when scraped (the registry, and prom-client, are only made at the
 * first scrape: http/metrics-later.ts).
 *
 * In a cluster (REDIS_URL) every per-account series also carries `node` (this node's NODE_ID), and
 * each node reports only the accounts it runs: the store is shared, so reporting every account's
 * outbox or plugin errors from every node would count each N times. Summed over the nodes, each
 * account is counted once; an account no node runs (stopped, or between two holders) is in none.
 * The message counters count what this node handled: after a failover an account has a series
 * under each node that ran it, and their sum is its total. Webhook deliveries are the cluster's
 * (one shared outbox): every node reports the same figures, so take their max, not their sum.
 */
import type * as PromClient from 'prom-client';
import type { MetricsLater } from '../http/metrics-later.js';
import type { AdminDeps } from './deps.js';
import type { WebhooksAdapter } from './webhooks-adapter.js';
import type { BotInfo } from '../bot/types.js';

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
  const node = deps.cluster?.node;
  /** The accounts this process reports: all of them alone; in a cluster, those it runs. */
  const reported = (): BotInfo[] => deps.manager.list().filter((a) => node === undefined || a.node === node);
  /** Labels with `node` added in a cluster. */
  const at = <L extends Record<string, string>>(labels: L): L & { node?: string } => (node === undefined ? labels : { ...labels, node });
  const withNode = (names: string[]): string[] => (node === undefined ? names : [...names, 'node']);
  new Gauge({
    name: 'weiroto_accounts',
    help: 'Accounts by state (in a cluster: the accounts this node runs).',
    labelNames: withNode(['state']),
    registers: [registry],
    collect() {
      const counts = new Map<string, number>(STATES.map((s) => [s, 0]));
      for (const a of reported()) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
      for (const [state, n] of counts) this.set(at({ state }), n);
    },
  });
  new Gauge({
    name: 'weiroto_outbox_depth',
    help: 'Outgoing messages waiting to be sent, per account.',
    labelNames: withNode(['account']),
    registers: [registry],
    async collect() {
      const pending = await deps.store.outbound.pendingByAccount();
      const mine = new Set(reported().map((a) => a.id));
      this.reset();
      for (const id of mine) this.set(at({ account: id }), 0);
      for (const r of pending) if (node === undefined || mine.has(r.account)) this.set(at({ account: r.account }), r.count);
    },
  });
  new Gauge({
    name: 'weiroto_plugin_errors',
    help: 'Plugin failures recorded (threw, rejected, timed out), per account and plugin.',
    labelNames: withNode(['account', 'plugin']),
    registers: [registry],
    async collect() {
      const counts = await deps.store.pluginErrors.countsByPlugin();
      const mine = node === undefined ? undefined : new Set(reported().map((a) => a.id));
      this.reset();
      for (const r of counts) if (!mine || mine.has(r.account)) this.set(at({ account: r.account, plugin: r.plugin }), r.count);
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
      labelNames: withNode(['account']),
      registers: [registry],
      collect() {
        this.reset();
        for (const [account, n] of counts) this.inc(at({ account }), n);
      },
    });
  counter('weiroto_messages_received_total', 'Chat messages received.', counted.received);
  counter('weiroto_messages_sent_total', 'Messages sent to WeChat.', counted.sent);
}
