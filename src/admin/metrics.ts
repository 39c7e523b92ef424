/**
 * Prometheus metrics with prom-client, on a registry per server instance (never the global
 * default, so two servers in one process keep separate figures). Gauges read the current state at
 * scrape time; message counters count the events this process has seen.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AdminDeps } from './deps.js';
import type { WebhooksAdapter } from './webhooks-adapter.js';

const STATES = ['stopped', 'starting', 'needs-login', 'waiting-scan', 'waiting-confirm', 'online', 'logged-out', 'failed'];

/** Register the panel's metrics on `registry`; `close()` stops counting events. */
export function createAdminMetrics(registry: Registry, deps: AdminDeps, webhooks: WebhooksAdapter | undefined): { close(): void } {
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
  const received = new Counter({ name: 'weiroto_messages_received_total', help: 'Chat messages received.', labelNames: ['account'], registers: [registry] });
  const sent = new Counter({ name: 'weiroto_messages_sent_total', help: 'Messages sent to WeChat.', labelNames: ['account'], registers: [registry] });
  const unsubscribe = deps.manager.onEvent((e) => {
    if (e.type === 'message.received' && (e.data as { isSelf?: boolean } | undefined)?.isSelf !== true) received.inc({ account: e.account });
    else if (e.type === 'message.sent') sent.inc({ account: e.account });
  });
  return { close: unsubscribe };
}
