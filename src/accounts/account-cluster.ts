/**
 * What the accounts layer asks of a cluster (REDIS_URL). The cluster decides which node runs which
 * account (it calls `runHere` and `release` on the manager), and each account's runtime reads and
 * writes through a store, and talks to WeChat through a transport, that first check the account is
 * still this node's. Without a cluster the manager runs every enabled account itself.
 */
import type { Transport } from '../transport/transport.js';
import type { ManagerStore } from './account-manager.js';
import type { SendRouter } from '../bot/send-router.js';

export interface AccountCluster {
  /** The store the account's runtime (bot, plugins, session saves) uses: each call refused once another node took the account. */
  store(account: string, store: ManagerStore): ManagerStore;
  /** The account's transport, whose every request to WeChat is refused once another node took the account. */
  transport(account: string, transport: Transport): Transport;
  /** An account was added, started or stopped here: place it now (on whichever node should run it) instead of at the next round. */
  place(account: string): void;
  /** Where the account's sends go while another node runs it (committed here, sent there). */
  sendRouter?(account: string): SendRouter | undefined;
}
