/**
 * One node's part in a cluster (REDIS_URL): it keeps its heartbeat, renews the leases of the
 * accounts it runs every third of the lease's time to live, and in each round places the enabled
 * accounts over the live nodes (src/cluster/spread.ts): it takes the free accounts planned for it,
 * hands over those planned elsewhere, and stops at once an account whose lease it lost. A node that
 * releases an account or leaves says so on the cluster channel, so the others run a round at once
 * instead of waiting for theirs; and each round sets a timer for the moment the first lease held
 * elsewhere expires, so a dead node's accounts are taken as soon as Redis lets them go rather than
 * at the next round. On SIGTERM (`leave`) it hands every account over: stop, persist, release, publish.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AccountCluster, AccountManager, HolderAnswers, HolderAsk, ManagerStore, NodeOverview, SendRouter, StopTimes } from '../accounts/index.js';
import type { Transport } from '../transport/transport.js';
import { isLockTimeout, type FencesRepo, type Repos, type SeenKeysRepo } from '../store/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { LeaseStore, type LeaseHolder } from './lease-store.js';
import { FenceRaises } from './fence-raises.js';
import { NodeRegistry } from './node-registry.js';
import { spread } from './spread.js';
import { gather, gatheringPlan, type Gathering } from './gathering.js';
import { clusterKeys } from './keys.js';
import { fencedStore } from './fenced-store.js';
import { fencedTransport } from './fenced-transport.js';
import { AccountBoard } from './account-board.js';
import { EventNews, type EventNotice } from './event-news.js';
import { nodeOverview } from './node-overview.js';
import type { Placement } from '../accounts/index.js';
import type { SendRouting } from './send-routing.js';

export interface CoordinatorDeps {
  /** Commands (leases, heartbeats, publishing). */
  redis: Redis;
  /** A second connection, for the cluster channel (a subscribed connection runs nothing else). */
  subscriber: Redis;
  node: string;
  /** LEASE_TTL_MS: a lease (and a heartbeat) lives this long unless renewed. */
  ttlMs: number;
  manager: AccountManager;
  /** The accounts that should run somewhere (enabled), read from the shared store at every round. */
  enabledAccounts(): Promise<string[]>;
  fences: FencesRepo;
  log: Logger;
  clock?: Clock;
  /** Sends accepted here for accounts other nodes run go to them through this. */
  sends?: SendRouting;
  /** JOIN_WAIT_MS: nodes starting together wait this long at most for each other before one takes another's share (src/cluster/gathering.ts). Default 0. */
  joinWaitMs?: number;
}

/** What the cluster channel carries. */
type ClusterNews = { kind: 'released' | 'changed'; account: string; node: string } | { kind: 'left' | 'joined'; node: string };

/** Why a round ran: the regular timer, a lease's expiry, news from another node, or an account placed here. */
type Trigger = 'start' | 'timer' | 'expiry' | ClusterNews['kind'] | 'place' | 'gathered';

const TRIGGER_RANK: Trigger[] = ['released', 'left', 'joined', 'changed', 'place', 'expiry', 'gathered', 'start', 'timer'];

/**
 * Rounds that read the enabled accounts from the store again. The others (a release, a node leaving,
 * a lease expiring) move accounts that were enabled at the last read, so they reuse it: on a busy node
 * the store's queue is long (every account taken writes its session, contacts, queue), and a handover
 * must not wait behind it. Accounts added since are placed by the next regular round, or by `place`.
 */
const READS_ACCOUNTS = new Set<Trigger>(['start', 'timer', 'place', 'joined', 'changed', 'gathered']);

/** Past a lease's expiry by this much the expiry round runs (Redis's clock and ours tick apart by a few ms). */
const EXPIRY_MARGIN_MS = 5;

/** What a take noted on its way (logged once the account settles: where the seconds of a failover go). */
interface TakeTimes {
  trigger: Trigger;
  /** When the account became free to take: its lease's expiry, the release announced, or the round's start. */
  freeAt: number;
  acquiredAt: number;
  fencedAt?: number;
  /** When `runHere` resolved: the account's queued sends loaded (its login runs beside that). */
  startedAt?: number;
}

/** How a taken account's login ended (online, waiting for a scan, failed…) and when. */
interface Settled {
  state: string;
  at: number;
}

export class ClusterCoordinator implements AccountCluster {
  /** The accounts this node holds a lease on, with the lease's fencing token. */
  private readonly held = new Map<string, number>();
  /** Accounts being taken (lease acquired or asked for, fence being raised, runtime starting): each a promise of its own. */
  private readonly taking = new Map<string, Promise<void>>();
  /** Accounts being handed over (stopping, then releasing): each a promise of its own. */
  private readonly handing = new Map<string, Promise<void>>();
  /** When each free account planned for another node was first seen free (taken over after a lease's time). */
  private readonly freeSince = new Map<string, number>();
  private readonly leases: LeaseStore;
  private readonly fenceRaises: FenceRaises;
  private readonly registry: NodeRegistry;
  /** The accounts' live state across the cluster (published for ours, read for the others'). */
  private readonly board: AccountBoard;
  /** Events committed here told to the other nodes, and theirs heard here. */
  private readonly events: EventNews;
  private offEvents: (() => void) | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | undefined;
  /** Fires when the first lease held by another node expires (set anew by every round). */
  private expiryTimer: NodeJS.Timeout | undefined;
  /** When each lease held elsewhere expires unless renewed (as of the last round). */
  private readonly expiresAt = new Map<string, number>();
  /** When another node announced it released each account (until taken). */
  private readonly releasedAt = new Map<string, number>();
  private round: Promise<void> | undefined;
  /** What asked for the round that runs next (several asks while one runs make one round). */
  private triggers = new Set<Trigger>();
  private again = false;
  /** The enabled accounts as the last round that read them found them. */
  private accounts: string[] | undefined;
  /** What the last round planned from: the live nodes and who held each account (node name). */
  private lastPlan: { nodes: string[]; holders: Map<string, string> } | undefined;
  /** The accounts planned for this node (by the last round, or since by a node's leaving): a release of one is taken at once. */
  private planned = new Set<string>();
  /** Nodes that said they leave: their releases are of accounts that must move now. */
  private readonly departed = new Set<string>();
  private leaving = false;
  /** The last time every held lease was renewed; past a lease's time to live we no longer trust we hold them. */
  private renewedAt = 0;
  /**
   * Heartbeat and lease renewals on a timer of their own, not only at each round's start: a round waits
   * for the store (the enabled accounts, a handover's writes), and on a busy node that is in line behind
   * every account's writes, for longer than a lease at times. A lease must not run out because the node's
   * store is busy (3 × 300 accounts lost theirs that way, and moved from node to node).
   */
  private renewer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  /** The start of several nodes this node joined, while it lasts: the shares of the nodes still expected stay free for them. */
  private gathering: Gathering | undefined;
  private gatheringEnd: NodeJS.Timeout | undefined;

  constructor(private readonly deps: CoordinatorDeps) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log.child({ ns: 'cluster', node: deps.node });
    this.leases = new LeaseStore(deps.redis, deps.node, deps.ttlMs);
    this.registry = new NodeRegistry(deps.redis, deps.node, deps.ttlMs);
    this.fenceRaises = new FenceRaises(deps.fences, this.fenceWaitMs());
    this.startedAt = this.clock.now();
    this.board = new AccountBoard({
      redis: deps.redis,
      node: deps.node,
      ttlMs: deps.ttlMs,
      manager: () => deps.manager,
      held: () => this.held.keys(),
      holds: (account) => this.held.has(account),
      log: deps.log,
      ...(deps.clock && { clock: deps.clock }),
    });
    this.events = new EventNews({ redis: deps.redis, node: deps.node, log: deps.log });
  }

  /** This node's name (NODE_ID). */
  get node(): string {
    return this.deps.node;
  }

  /** Join: heartbeat, listen to the channel, run the first round, then one every third of the lease's time to live. */
  async start(): Promise<void> {
    await this.deps.subscriber.subscribe(clusterKeys.channel, clusterKeys.accounts, clusterKeys.events);
    this.deps.subscriber.on('message', (channel: string, text: string) => {
      if (channel === clusterKeys.channel) this.onNews(text);
      else if (channel === clusterKeys.accounts) this.board.onMessage(text);
      else if (channel === clusterKeys.events) this.events.onMessage(text);
    });
    this.offEvents = this.deps.manager.onEvent((e) => this.events.committed(e));
    // Before our heartbeat: the first node of a start is the one that finds no node alive.
    this.gathering = await gather(this.deps.redis, this.registry, this.deps.joinWaitMs ?? 0, this.deps.ttlMs, this.clock.now());
    if (this.gathering)
      this.gatheringEnd = setTimeout(() => void this.runRound('gathered'), Math.max(0, this.gathering.until - this.clock.now()) + EXPIRY_MARGIN_MS);
    await this.registry.heartbeat(this.startedAt, this.clock.now());
    await this.board.start();
    await this.publish({ kind: 'joined', node: this.deps.node });
    // The timers first: the first round's loop runs again for news that comes meanwhile (nodes joining), and
    // those rounds wait for the store behind every account the first one took; the leases it took are renewed meanwhile.
    const every = Math.max(50, Math.floor(this.deps.ttlMs / 3));
    this.timer = setInterval(() => void this.runRound('timer'), every);
    this.renewer = setInterval(
      () =>
        void this.keepAlive().catch(async (e: unknown) => {
          this.log.warn({ err: e }, 'cluster: could not renew our leases');
          await this.distrustLeases();
        }),
      every,
    );
    await this.runRound('start');
  }

  /** SIGTERM: leave the node set, then hand every account over at once (stop, persist, release, publish). */
  async leave(): Promise<void> {
    this.leaving = true;
    const began = this.clock.now();
    if (this.timer) clearInterval(this.timer);
    clearInterval(this.renewer);
    clearTimeout(this.expiryTimer);
    clearTimeout(this.gatheringEnd);
    // Not waiting for a round under way (it may wait its turn in the store behind this node's traffic):
    // it starts no take once we leave, and its handovers are the ones below (one per account).
    try {
      await this.registry.leave(this.clock.now());
      await this.publish({ kind: 'left', node: this.deps.node });
    } catch (e) {
      this.log.warn({ err: e }, 'cluster: could not say we leave; our accounts move when their leases expire');
    }
    // Every account we hold goes at once, on its own, even while its take is under way (its fence being raised,
    // its queue loading behind its store calls): the stop does not wait for the launch, and a take that finds
    // its lease gone starts nothing. A take still asking Redis for its lease gives it back itself once it sees
    // we leave; that one is waited for. Waiting for every take first kept a node that had just taken 300
    // accounts from releasing most of them within the shutdown limit.
    const accounts = new Set([...this.held.keys(), ...this.taking.keys()]);
    const handovers = [...accounts].map((a) => (this.held.has(a) ? this.handOver(a) : (this.taking.get(a) ?? Promise.resolve()).then(() => this.handOver(a))));
    // Those a round began are among them (it took them off `held` once stopped, and is releasing them).
    await Promise.all([...handovers, ...this.handing.values()]);
    await this.board.leave().catch((e: unknown) => this.log.warn({ err: e }, 'cluster: could not take our accounts off the board; they go when it expires'));
    this.offEvents?.();
    this.log.info({ accounts: accounts.size, ms: this.clock.now() - began }, 'cluster: left; every account handed over');
    await this.deps.subscriber.quit().catch(() => {});
  }

  /** The accounts this node runs, with their tokens (for the operators' view and tests). */
  holding(): Map<string, number> {
    return new Map(this.held);
  }

  // ---- AccountCluster ----

  store(account: string, store: ManagerStore): ManagerStore {
    return fencedStore(store, account, () => this.held.get(account));
  }

  /** The account's iLink seen keys, their writes fenced like the runtime's (the transport keeps them, not the runtime). */
  seenKeys(account: string, store: ManagerStore & Pick<Repos, 'seenKeys'>): SeenKeysRepo {
    return fencedStore(store, account, () => this.held.get(account)).seenKeys(account);
  }

  transport(account: string, transport: Transport): Transport {
    return fencedTransport(transport, account, async () => {
      const token = this.held.get(account);
      return token !== undefined && (await this.leases.holds(account, token));
    });
  }

  place(account: string): void {
    void this.runRound('place');
    // The node running the account (if another) hears at once that it was stopped, started or added.
    this.publish({ kind: 'changed', account, node: this.deps.node }).catch((e: unknown) =>
      this.log.warn({ err: e, account }, 'cluster: could not announce a changed account; the others see it at their next round'),
    );
  }

  elsewhere(account: string): Placement | undefined {
    return this.board.elsewhere(account);
  }

  settingsChanged(account: string): void {
    this.board.settingsChanged(account);
  }

  forward(account: string, act: 'logout' | 'retry'): Promise<void> {
    return this.board.forward(account, act);
  }

  ask<Q extends HolderAsk>(account: string, question: Q): Promise<HolderAnswers[Q['act']]> {
    return this.board.ask(account, question);
  }

  /** Events other nodes committed (the panel's live views; the event stream's readers wake on them). Returns the unsubscribe function. */
  onEventsElsewhere(listener: (events: EventNotice[]) => void): () => void {
    return this.events.onElsewhere(listener);
  }

  /** Every node the cluster has seen, whether it is alive, and the accounts it runs (the panel's Nodes page, the API's /nodes). */
  nodes(): Promise<NodeOverview[]> {
    return nodeOverview(this.registry, this.leases, this.deps.manager.list(), this.deps.ttlMs, this.clock.now());
  }

  sendRouter(account: string): SendRouter | undefined {
    return this.deps.sends?.router(account, () => this.held.has(account));
  }

  // ---- rounds ----

  /** One round at a time; a round asked for while one runs follows it. */
  private runRound(trigger: Trigger): Promise<void> {
    if (this.leaving) return Promise.resolve();
    this.triggers.add(trigger);
    if (this.round) {
      this.again = true;
      return this.round;
    }
    this.round = (async () => {
      do {
        this.again = false;
        // News outranks the timers in the log: it says why the round ran now rather than later.
        const why = [...this.triggers].sort((a, b) => TRIGGER_RANK.indexOf(a) - TRIGGER_RANK.indexOf(b))[0]!;
        const readAccounts = [...this.triggers].some((t) => READS_ACCOUNTS.has(t));
        this.triggers.clear();
        try {
          await this.roundOnce(why, readAccounts);
        } catch (e) {
          this.log.warn({ err: e }, 'cluster: round failed');
          await this.distrustLeases();
        }
      } while (this.again && !this.leaving);
    })().finally(() => (this.round = undefined));
    return this.round;
  }

  private async roundOnce(trigger: Trigger, readAccounts: boolean): Promise<void> {
    const began = this.clock.now();
    await this.keepAlive();
    const accounts = !readAccounts && this.accounts ? this.accounts : (this.accounts = await this.deps.enabledAccounts());
    // Leases before nodes: a node renews its heartbeat before its leases, so the heartbeat runs out
    // first; read in this order, a lease found expired is never planned for its holder seen alive
    // (which would leave the account waiting a lease's time for a node that is gone).
    const holders = await this.leases.holders(accounts);
    const readAt = this.clock.now();
    const nodes = await this.registry.live();
    if (this.leaving) return;
    // Not awaited: the board's heartbeat (our states rewritten, the others' read) must not slow a handover down.
    this.board.refresh(nodes).catch((e: unknown) => this.log.warn({ err: e }, 'cluster: could not refresh the accounts’ states'));
    this.watchExpiries(holders, readAt);
    const current = new Map([...holders].map(([a, h]) => [a, h.node]));
    const live = nodes.includes(this.deps.node) ? nodes : [...nodes, this.deps.node];
    // Nodes starting together: the shares of those still expected are left to them.
    const gathering = gatheringPlan(this.gathering, live, this.clock.now());
    if (!gathering && this.gathering) {
      this.gathering = undefined;
      clearTimeout(this.gatheringEnd);
    }
    const everyone = gathering?.nodes ?? live;
    const mine = spread(everyone, accounts, current).get(this.deps.node)!;
    this.lastPlan = { nodes: everyone, holders: current };
    this.planned = mine;
    const enabled = new Set(accounts);
    // Hand over what is planned elsewhere (or no longer enabled): its planned node takes it when we publish.
    const surplus = [...this.held.keys()].filter((a) => !mine.has(a) || !enabled.has(a));
    await Promise.all(surplus.map((a) => this.handOver(a, trigger)));
    // Leaving meanwhile: every account goes; none is taken. Nor while a gathering knows no share yet.
    if (this.leaving || gathering?.takes === false) return;
    for (const a of surplus) holders.delete(a);
    const now = this.clock.now();
    const share = Math.ceil(accounts.length / Math.max(1, everyone.length));
    const wanted: string[] = [];
    for (const a of accounts) {
      if (this.held.has(a) || holders.has(a) || this.taking.has(a)) {
        this.freeSince.delete(a);
        continue;
      }
      if (mine.has(a)) wanted.push(a);
      else {
        // Planned for a node that does not take it (stuck, or it left without saying): after a lease's time, whoever has room does.
        const since = this.freeSince.get(a) ?? now;
        this.freeSince.set(a, since);
        if (now - since >= this.deps.ttlMs && this.held.size + wanted.length < share) wanted.push(a);
      }
    }
    // Not awaited: a take may wait for a frozen node's transaction (below) while this node's rounds go on renewing.
    for (const a of wanted) {
      // Free since its lease expired or was released, if that was recent; else since this round began.
      this.startTake(a, trigger, Math.max(began - this.deps.ttlMs, Math.min(this.expiresAt.get(a) ?? began, this.releasedAt.get(a) ?? began, began)));
    }
  }

  private startTake(account: string, trigger: Trigger, freeAt: number): void {
    this.taking.set(
      account,
      this.take(account, trigger, freeAt).finally(() => this.taking.delete(account)),
    );
  }

  /**
   * A node said it leaves: plan its accounts over the others now, from what the last round read (every
   * node computes the same), so that each one it releases is taken here the moment it says so, not
   * after a round (whose reads wait behind this node's traffic) has seen it free.
   */
  private planWithout(node: string): void {
    const last = this.lastPlan;
    if (!last || !this.accounts) return;
    const nodes = last.nodes.filter((n) => n !== node);
    this.planned = spread(nodes, this.accounts, last.holders).get(this.deps.node) ?? new Set();
  }

  /** An account a departing node released: taken at once when it is planned here. */
  private takeReleased(account: string, from: string): void {
    if (this.leaving || !this.departed.has(from) || !this.planned.has(account) || this.held.has(account) || this.taking.has(account)) return;
    this.startTake(account, 'released', this.clock.now());
  }

  /**
   * Note when each lease held by another node expires, and run a round right then for the first one:
   * a node that died (kill -9, cut off) renews nothing, so its accounts are taken as soon as Redis
   * lets their leases go, not up to a third of a lease later at the next regular round. Leases of
   * live nodes are renewed long before, and each round sets the timer anew.
   */
  private watchExpiries(holders: Map<string, LeaseHolder>, readAt: number): void {
    // A lease found gone keeps its noted expiry: that is when its account became free (for the log).
    let first = Infinity;
    for (const [account, h] of holders) {
      if (h.node === this.deps.node) {
        this.expiresAt.delete(account);
        continue;
      }
      this.expiresAt.set(account, readAt + h.ttlMs);
      first = Math.min(first, h.ttlMs);
    }
    clearTimeout(this.expiryTimer);
    if (first === Infinity || this.leaving) return;
    // The time to live was counted when Redis read it, before `readAt`: waiting it from now is never early.
    this.expiryTimer = setTimeout(() => void this.runRound('expiry'), first + EXPIRY_MARGIN_MS);
  }

  /** Heartbeat, then every held lease (one renewal at a time: the timer's and a round's share it). */
  private keepAlive(): Promise<void> {
    this.renewing ??= (async () => {
      await this.registry.heartbeat(this.startedAt, this.clock.now());
      await this.renewAll();
    })().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  /** Renew every held lease; a lease found lost stops its account here at once. */
  private async renewAll(): Promise<void> {
    const started = this.clock.now();
    const results = await Promise.all([...this.held].map(async ([account, token]) => [account, await this.leases.renew(account, token)] as const));
    this.renewedAt = started;
    for (const [account, renewed] of results) {
      if (renewed) continue;
      this.log.warn({ account }, 'cluster: lease lost (another node runs the account now); stopping it here');
      this.held.delete(account);
      // Not awaited: stopping waits for the store, and the other leases' next renewal must not wait for it.
      void this.deps.manager
        .release(account)
        .catch((e: unknown) => this.log.warn({ err: e, account }, 'cluster: stopping a lost account failed'))
        .then(() => this.board.gone(account))
        .catch(() => {});
    }
  }

  /** Redis did not answer: once our leases may have expired unseen, stop the accounts (their writes and sends are refused anyway). */
  private async distrustLeases(): Promise<void> {
    if (this.held.size === 0 || this.clock.now() - this.renewedAt < this.deps.ttlMs) return;
    this.log.warn({ accounts: this.held.size }, 'cluster: leases not renewed for a lease time (Redis unreachable?); stopping our accounts');
    const accounts = [...this.held.keys()];
    this.held.clear();
    await Promise.all(accounts.map((a) => this.deps.manager.release(a).catch(() => {})));
  }

  /** Take the account's lease, raise its fence in the store, run it here. */
  private async take(account: string, trigger: Trigger, freeAt: number, retry = true): Promise<void> {
    const token = await this.leases.acquire(account).catch((e: unknown) => void this.log.warn({ err: e, account }, 'cluster: could not take a lease'));
    if (!token) return;
    // Leaving meanwhile: the lease goes back at once instead of an account started only to be stopped.
    if (this.leaving) return void (await this.leases.release(account, token).catch(() => {}));
    const times: TakeTimes = { trigger, freeAt, acquiredAt: this.clock.now() };
    // Held (and so renewed by the rounds) from now on; the runtime starts once the fence stands.
    this.held.set(account, token);
    this.freeSince.delete(account);
    this.releasedAt.delete(account);
    this.expiresAt.delete(account);
    try {
      const standing = await this.raiseFence(account, token);
      // Handed over while its fence was raised (SIGTERM does not wait for a take): nothing to start.
      if (this.held.get(account) !== token || this.handing.has(account)) return;
      if (standing > token) {
        // Our token would be refused by every write. Either another node took the account after us (our
        // lease ran out while this node stalled between Redis's grant and this raise: paused, starved),
        // or Redis counted from below the store's fence (it lost its data). Redis's counter tells which:
        // it has handed out the greater token itself only in the first case.
        this.held.delete(account);
        await this.leases.release(account, token);
        if ((await this.leases.counter(account)) >= standing) {
          this.log.info({ account, token, standing }, 'cluster: another node took the account while we raised its fence (our lease ran out); leaving it');
          return;
        }
        // Put its counter above the fence and take the lease again, once.
        this.log.warn({ account, token, standing }, 'cluster: Redis gave a token below the store’s fence (did Redis lose its data?); raising its counter');
        await this.leases.raiseCounter(account, standing);
        if (retry) await this.take(account, trigger, freeAt, false);
        return;
      }
      times.fencedAt = this.clock.now();
      this.log.info({ account, token }, 'cluster: took the account');
      const settling = this.settling(account);
      void settling?.then((s) => this.reportSettled(account, token, times, s));
      await this.deps.manager.runHere(account);
      times.startedAt = this.clock.now();
      if (!settling) void this.settling(account, true)?.then((s) => this.reportSettled(account, token, times, s));
    } catch (e) {
      this.log.warn({ err: e, account }, 'cluster: could not start a taken account; releasing it');
      if (this.held.get(account) === token) this.held.delete(account);
      await this.leases.release(account, token).catch(() => {});
    }
  }

  /**
   * Resolves when the account's next login settles (it leaves 'starting': online, waiting for a scan,
   * failed…). Watched from before the account starts, since its login runs beside the rest of its
   * start; `begun`: the login has begun already (the account was not known here before it started).
   */
  private settling(account: string, begun = false): Promise<Settled> | undefined {
    const bot = this.deps.manager.get(account);
    if (!bot) return undefined;
    if (begun && bot.info().state !== 'starting') return Promise.resolve({ state: bot.info().state, at: this.clock.now() });
    return new Promise((resolve) => {
      let started = begun;
      const off = bot.on('state', ({ state }) => {
        if (state === 'starting') started = true;
        else if (started) {
          off();
          resolve({ state, at: this.clock.now() });
        }
      });
    });
  }

  /**
   * One line per taken account once its login settled (online, or waiting for a scan, or failed), with
   * where the time went: from free to leased, leased to fenced, fenced to settled (the login: its session
   * read, the transport's start), and fenced to started (its queued sends loaded, beside the login).
   */
  private reportSettled(account: string, token: number, t: TakeTimes, settled: Settled): void {
    this.log.info(
      {
        account,
        token,
        trigger: t.trigger,
        state: settled.state,
        leaseMs: t.acquiredAt - t.freeAt,
        fenceMs: t.fencedAt! - t.acquiredAt,
        loginMs: settled.at - t.fencedAt!,
        // Unless still loading (the login went faster).
        ...(t.startedAt !== undefined && { queueMs: t.startedAt - t.fencedAt! }),
        freeAt: t.freeAt,
        settledAt: settled.at,
      },
      'cluster: taken account settled',
    );
  }

  /**
   * Raise the account's fence to our token. The raise waits for writes that checked the old token; a
   * node frozen inside such a write (SIGSTOP, a cut) would hold it until it wakes up, so after each
   * short wait, sessions idle in a transaction for longer than a lease are ended (that node lost all
   * its leases by then; its writes are refused anyway) and the raise is tried again, for as long as
   * we hold the lease. Returns the fence that now stands (above our token only if Redis lost count).
   */
  private async raiseFence(account: string, token: number): Promise<number> {
    const waitMs = this.fenceWaitMs();
    // The first try with the other accounts taken now (one transaction); after a lock timeout, on its own,
    // so that a frozen write on one account holds back only that account.
    for (let first = true; ; first = false) {
      try {
        return await (first ? this.fenceRaises.raise(account, token) : this.deps.fences.raise(account, token, waitMs));
      } catch (e) {
        if (!isLockTimeout(e) || this.held.get(account) !== token || this.leaving) throw e;
        const ended = await this.deps.fences.endFrozenSessions(this.deps.ttlMs);
        this.log.warn({ account, ended }, 'cluster: the fence is locked by a write of the previous holder; waiting for it (frozen sessions ended)');
      }
    }
  }

  /** How long one try of a raise waits for a write of the previous holder: a sixth of a lease. */
  private fenceWaitMs(): number {
    return Math.max(100, Math.floor(this.deps.ttlMs / 6));
  }

  /**
   * Stop the account here (persisting its session and queue), release its lease, tell the others.
   * One handover per account at a time: a round's and `leave`'s for the same account share it.
   */
  private handOver(account: string, trigger: Trigger | 'leave' = 'leave'): Promise<void> {
    let handing = this.handing.get(account);
    if (!handing) {
      handing = this.handOverNow(account, trigger).finally(() => this.handing.delete(account));
      this.handing.set(account, handing);
    }
    return handing;
  }

  private async handOverNow(account: string, trigger: Trigger | 'leave'): Promise<void> {
    const token = this.held.get(account);
    if (token === undefined) return;
    const began = this.clock.now();
    let stop: StopTimes | undefined;
    try {
      stop = await this.deps.manager.release(account);
    } catch (e) {
      this.log.warn({ err: e, account }, 'cluster: stopping the account before its handover failed');
    }
    this.held.delete(account);
    const stopMs = this.clock.now() - began;
    try {
      await this.leases.release(account, token);
      await this.board.gone(account);
      await this.publish({ kind: 'released', account, node: this.deps.node });
      this.log.info({ account, trigger, stopMs, ...(stop && { stop }), releaseMs: this.clock.now() - began - stopMs }, 'cluster: handed the account over');
    } catch (e) {
      this.log.warn({ err: e, account }, 'cluster: could not release the lease; it moves when it expires');
    }
  }

  private async publish(news: ClusterNews): Promise<void> {
    await this.deps.redis.publish(clusterKeys.channel, JSON.stringify(news));
  }

  private onNews(text: string): void {
    let news: ClusterNews;
    try {
      news = JSON.parse(text) as ClusterNews;
    } catch {
      return;
    }
    if (news.node === this.deps.node) return;
    if (news.kind === 'left') {
      this.departed.add(news.node);
      this.planWithout(news.node);
    }
    if (news.kind === 'joined') this.departed.delete(news.node);
    if (news.kind === 'released') {
      this.releasedAt.set(news.account, this.clock.now());
      this.takeReleased(news.account, news.node);
    }
    if (news.kind === 'changed') {
      // Its row first (enabled or not, a new account), so the panel here says what the round then does.
      const account = news.account;
      void this.deps.manager
        .reread(account)
        .catch((e: unknown) => this.log.warn({ err: e, account }, 'cluster: could not read a changed account'))
        .finally(() => void this.runRound('changed'));
      return;
    }
    void this.runRound(news.kind);
  }
}
