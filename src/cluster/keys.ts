/** Every Redis key and channel of the cluster, in one place (all under the `weiroto:` prefix). */
export const clusterKeys = {
  /** The account's lease: `<node>:<token>`, with the lease's time to live. */
  lease: (account: string) => `weiroto:lease:${account}`,
  /** The account's fencing counter: INCR at every acquisition gives the new holder's token. */
  fence: (account: string) => `weiroto:fence:${account}`,
  /** A node's heartbeat (its start time), with a time to live: present while the node lives. */
  node: (node: string) => `weiroto:node:${node}`,
  /** Every node that registered (dead ones are pruned by whoever finds their heartbeat gone). */
  nodes: 'weiroto:nodes',
  /** The states of the accounts a node runs (account → JSON), with a time to live its rounds renew. */
  states: (node: string) => `weiroto:states:${node}`,
  /** Where nodes publish their accounts' state changes and "plugin settings changed" (src/cluster/account-board.ts). */
  accounts: 'weiroto:accounts',
  /** Where nodes say which events they committed, so the others' event streams and live views show them (src/cluster/event-news.ts). */
  events: 'weiroto:events',
  /** Every node's start and last heartbeat (node → JSON), kept after it is gone so the panel can say so; pruned after a day. */
  seen: 'weiroto:nodes-seen',
  /** Webhook deliveries in flight to one endpoint, cluster-wide: slot tokens scored by their expiry. */
  webhookSlots: (endpoint: string) => `weiroto:webhook-slots:${endpoint}`,
  /** A start of several nodes under way: how many are expected, until when (src/cluster/gathering.ts). */
  gathering: 'weiroto:gathering',
  /** Where nodes say that they released an account or left, so the others act at once. */
  channel: 'weiroto:cluster',
};
