/**
 * Cluster coordinators for tests on one redis-server, each on two connections of its own (commands, and the
 * cluster channel a subscribed connection is kept for), as `weiroto start` gives a node.
 *
 *   const coordinators = new TestCoordinators(redis.url);
 *   const node = coordinators.create({ node: 'a', ttlMs: 60_000, manager, enabledAccounts, fences: store.fences });
 *   after(() => coordinators.close());
 */
import { Redis } from 'ioredis';
import { ClusterCoordinator, type CoordinatorDeps } from '../../../src/cluster/index.js';
import { silentLogger } from '../../../src/logger.js';

/** A coordinator's deps but its connections (made here) and its log (silent unless given). */
export type TestCoordinatorDeps = Omit<CoordinatorDeps, 'redis' | 'subscriber' | 'log'> & Partial<Pick<CoordinatorDeps, 'log'>>;

export class TestCoordinators {
  private readonly connections: Redis[] = [];
  /** Made and not yet left through `leave`/`leaveAll`: a failed test leaves its nodes running, holding leases the next test would meet. */
  private readonly running = new Set<ClusterCoordinator>();

  constructor(private readonly redisUrl: string) {}

  create(deps: TestCoordinatorDeps): ClusterCoordinator {
    const [redis, subscriber] = [new Redis(this.redisUrl), new Redis(this.redisUrl)];
    this.connections.push(redis, subscriber);
    const coordinator = new ClusterCoordinator({ redis, subscriber, log: silentLogger(), ...deps });
    this.running.add(coordinator);
    return coordinator;
  }

  /** The node leaves the cluster (its accounts handed over) and is forgotten here. */
  async leave(coordinator: ClusterCoordinator): Promise<void> {
    this.running.delete(coordinator);
    await coordinator.leave();
  }

  /** Every node still here leaves; one that a test made leave already only says so again (its accounts are gone). */
  async leaveAll(): Promise<void> {
    for (const coordinator of [...this.running]) {
      this.running.delete(coordinator);
      await coordinator.leave().catch(() => {});
    }
  }

  /** For `after`: every node leaves, then every connection is closed. */
  async close(): Promise<void> {
    await this.leaveAll();
    for (const connection of this.connections.splice(0)) connection.disconnect();
  }
}
