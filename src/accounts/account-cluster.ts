/**
 * What the accounts layer asks of a cluster (REDIS_URL). The cluster decides which node runs which
 * account (it calls `runHere` and `release` on the manager), and each account's runtime reads and
 * writes through a store, and talks to WeChat through a transport, that first check the account is
 * still this node's. Without a cluster the manager runs every enabled account itself.
 */
import type { Transport } from '../transport/transport.js';
import type { ManagerStore } from './account-manager-deps.js';
import type { Placement } from '../bot/types.js';

/** `alive`: heartbeat on time; `late`: its heartbeat key stands but it missed a round; `gone`: left, or its heartbeat ran out. */
export type NodeStatus = 'alive' | 'late' | 'gone';

export interface NodeOverview {
  node: string;
  status: NodeStatus;
  startedAt: number;
  /** When it last renewed its heartbeat (ms since the epoch). */
  lastHeartbeatAt: number;
  /** When it said it was leaving (SIGTERM). */
  leftAt?: number;
  /** The accounts whose lease it holds, with their state as the cluster sees it. */
  accounts: { id: string; name: string; state: string }[];
}
import type { SendRouter } from '../bot/send-router.js';
import type { VerifyAnswer } from './verify-answer.js';

/** What an admin on another node asks the node running an account to do, and waits for: take a verification code, remove the account. */
export type HolderAsk = { act: 'verify'; code: string } | { act: 'remove' };

/** What each question is answered with. */
export interface HolderAnswers {
  verify: VerifyAnswer;
  remove: 'removed';
}

/**
 * The node running the account did not answer in time. `started` false: no node took the question up
 * (it is busy, paused, leaving or gone) and none will now: nothing was done, ask again. `started` true:
 * the node took it up but has not said how it went: look at the account again.
 */
export class HolderSilentError extends Error {
  override readonly name = 'HolderSilentError';
  constructor(
    message: string,
    readonly started: boolean,
  ) {
    super(message);
  }
}

export interface AccountCluster {
  /** The store the account's runtime (bot, plugins, session saves) uses: each call refused once another node took the account. */
  store(account: string, store: ManagerStore): ManagerStore;
  /** The account's transport, whose every request to WeChat is refused once another node took the account. */
  transport(account: string, transport: Transport): Transport;
  /** An account was added, started or stopped here: place it now (on whichever node should run it) instead of at the next round. */
  place(account: string): void;
  /** This node's name (NODE_ID): the `node` of the accounts it runs. */
  readonly node: string;
  /** The node that runs the account and the state it published, when that is another node (else undefined). */
  elsewhere(account: string): Placement | undefined;
  /** The account's plugin settings were saved here: the node running it (and every panel) reads them again. */
  settingsChanged(account: string): void;
  /** Ask the node that runs the account to log it out, or to retry its login now (an admin asked on this node). */
  forward(account: string, act: 'logout' | 'retry'): Promise<void>;
  /** Ask the node that runs the account and wait for its answer; rejects with `HolderSilentError` when none comes in time. */
  ask<Q extends HolderAsk>(account: string, question: Q): Promise<HolderAnswers[Q['act']]>;
  /** Where the account's sends go while another node runs it (committed here, sent there). */
  sendRouter?(account: string): SendRouter | undefined;
}
