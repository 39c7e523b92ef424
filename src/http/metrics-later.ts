/**
 * The server's Prometheus registry, made at the first /metrics scrape. prom-client (with the
 * @opentelemetry/api it requires, about a hundred modules and 2.5 MiB of heap) is not needed by a
 * bot waiting for its scan, nor by a server nobody scrapes. Metrics are defined at start and made on
 * the registry when it is; what they count meanwhile is kept by their owner (admin/metrics.ts).
 */
import type * as PromClient from 'prom-client';
import { requireLater } from '../util/require-later.js';

const promClient = requireLater<typeof PromClient>('prom-client');

/** Makes metrics on `registry` with prom-client's classes. */
export type MetricsDefinition = (registry: PromClient.Registry, client: typeof PromClient) => void;

export class MetricsLater {
  private made: PromClient.Registry | undefined;
  private readonly definitions: MetricsDefinition[] = [];

  /** Add metrics: made with the registry (at once when it exists). */
  define(definition: MetricsDefinition): void {
    this.definitions.push(definition);
    if (this.made) definition(this.made, promClient());
  }

  /** The registry, made (and prom-client loaded) on the first call. */
  registry(): PromClient.Registry {
    if (this.made) return this.made;
    const client = promClient();
    const registry = new client.Registry();
    for (const d of this.definitions) d(registry, client);
    return (this.made = registry);
  }

  /** The Prometheus text of every metric. */
  metrics(): Promise<string> {
    return this.registry().metrics();
  }
}
