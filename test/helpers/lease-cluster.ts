/**
 * The cluster as the coordinator is to the account manager, reduced to one lease: the accounts' writes
 * are fenced by `held()` (token 1 while held, nothing after), transports pass through, nothing is
 * placed elsewhere. For tests of what the manager does around a handover (src/cluster/coordinator.ts).
 */
import type { AccountCluster } from '../../src/accounts/index.js';
import { fencedStore } from '../../src/cluster/fenced-store.js';

export function leaseCluster(held: () => boolean): AccountCluster {
  return {
    store: (account, s) => fencedStore(s, account, () => (held() ? 1 : undefined)),
    transport: (_account, t) => t,
    place: () => {},
    node: 'here',
    elsewhere: () => undefined,
    settingsChanged: () => {},
    forward: async () => {},
    ask: () => Promise.reject(new Error('no other node here')),
  };
}
