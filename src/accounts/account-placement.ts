/**
 * Where an account runs in a cluster (REDIS_URL), as this node sees it: whether another node runs it,
 * asking that node to do what only the holder may (log out, retry, type a verification code, remove it),
 * showing what that node says (its state, the directory it stored), and the releases that overtake a
 * `runHere`. Without a cluster every account runs here and nothing is asked of anyone.
 */
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import type { BotEvent } from '../bot/types.js';
import type { AccountCluster, HolderAnswers, HolderAsk } from './account-cluster.js';
import type { ManagerStore } from './account-manager-deps.js';
import type { ManagedAccount } from './managed-account.js';

export class AccountPlacement {
  /** How many times each account was released here, so that a `runHere` overtaken by a release does not run it. */
  private readonly releases = new Map<string, number>();

  constructor(
    private readonly cluster: AccountCluster | undefined,
    private readonly store: ManagerStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The account is being released here (handed over): a `runHere` under way that counted before this does not run it. */
  released(id: string): void {
    this.releases.set(id, (this.releases.get(id) ?? 0) + 1);
  }

  /** How many times the account was released here (compare before and after a wait). */
  releasesOf(id: string): number | undefined {
    return this.releases.get(id);
  }

  /** Another node runs the account (what only the running node may do is asked of it). */
  runsElsewhere(rt: ManagedAccount): boolean {
    return !rt.running && this.cluster?.elsewhere(rt.bot.id) !== undefined;
  }

  /** An account another node runs has `act` done there (asked through Redis); true when so. */
  forwarded(rt: ManagedAccount, act: 'logout' | 'retry'): boolean {
    const cluster = this.cluster;
    if (!cluster || !this.runsElsewhere(rt)) return false;
    cluster.forward(rt.bot.id, act).catch((e: unknown) => this.log.warn({ err: e, account: rt.bot.id, act }, 'could not ask the node running the account'));
    return true;
  }

  /** Another node runs the account: its answer to `question` (undefined: this node answers it itself). */
  askHolder<Q extends HolderAsk>(rt: ManagedAccount, question: Q): Promise<HolderAnswers[Q['act']]> | undefined {
    const cluster = this.cluster;
    return cluster && this.runsElsewhere(rt) ? cluster.ask(rt.bot.id, question) : undefined;
  }

  /**
   * Another node published the account's state (or stopped running it). An account this node runs keeps
   * its own state; the others show what their node says. Returns the `account.state` event for listeners
   * (the panel's live views), or undefined when there is nothing to tell.
   */
  shown(rt: ManagedAccount): BotEvent | undefined {
    const cluster = this.cluster;
    if (!cluster || rt.running) return undefined;
    rt.bot.place(cluster.elsewhere(rt.bot.id));
    const { state, detail, node } = rt.bot.info();
    // The panel here resolves recipients (and the API send targets) by name: the directory the running node stored.
    if (state === 'online' && node && (rt.directoryOf !== node || rt.bot.directory.size.contacts === 0)) {
      rt.directoryOf = node;
      void this.loadStoredDirectory(rt);
    }
    return {
      type: 'account.state',
      account: rt.bot.id,
      at: this.clock.now(),
      data: { state, ...(detail !== undefined && { detail }), ...(node && { node }) },
    };
  }

  /** An account run elsewhere: its contacts and rooms as its node stored them. */
  private async loadStoredDirectory(rt: ManagedAccount): Promise<void> {
    try {
      const [contacts, rooms] = await Promise.all([this.store.directory.contacts(rt.bot.id), this.store.directory.rooms(rt.bot.id)]);
      if (!rt.running) rt.bot.directory.load(contacts, rooms);
    } catch (e) {
      this.log.warn({ err: e, account: rt.bot.id }, 'could not read the directory of an account run elsewhere');
    }
  }
}
