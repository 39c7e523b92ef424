/** The cluster layer (REDIS_URL): account leases with fencing, the spread of accounts over nodes, handover and failover. */
export { ClusterCoordinator, type CoordinatorDeps } from './coordinator.js';
export { connectCluster, type ClusterOptions, type RunningCluster } from './start.js';
export { spread } from './spread.js';
export { LeaseStore, type LeaseHolder } from './lease-store.js';
export { NodeRegistry } from './node-registry.js';
export { FencedOut } from '../store/index.js';
export { clusterKeys } from './keys.js';
