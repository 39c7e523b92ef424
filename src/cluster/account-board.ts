/**
 * The accounts' live state across the cluster. Each node publishes the state of the accounts it runs
 * (online, waiting for a scan with its QR, logged out …) on the accounts channel as it changes, and
 * keeps them in a hash of its own (`states:<node>`) whose time to live every round renews, so that a
 * node starting later reads them at once and a dead node's entries go away with its heartbeat. Every
 * node keeps what the others published, and hands it to its manager, which shows it in the panel and
 * the API. The same channel carries "the plugin settings of this account changed": the node running
 * it (and every other panel) reads them again; and what an admin on one node asks of the node running
 * an account (log out, retry, take a verification code, remove it), with the answers to the questions.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BotEvent, BotInfo, HolderAnswers, HolderAsk, Placement, VerifyAnswer } from '../accounts/index.js';
import { clusterKeys } from './keys.js';
import { othersNews } from './news.js';
import { systemClock, type Clock } from '../util/clock.js';
import { failureText } from '../logger.js';
import { PendingAsks, type AskTimes, type Reply } from './pending-asks.js';

/** What the board asks of the account manager. */
export interface BoardManager {
  get(id: string): { info(): BotInfo } | undefined;
  onEvent(listener: (e: BotEvent) => void): () => void;
  /** Another node's view of the account changed (see `elsewhere`). */
  placementChanged(id: string): void;
  reloadPlugins(id: string): Promise<void>;
  logout(id: string): Promise<void>;
  retryNow(id: string): Promise<boolean>;
  submitVerifyCode(id: string, code: string): Promise<VerifyAnswer>;
  remove(id: string): Promise<void>;
}

/** What an admin on another node may ask of the node running an account. */
export type HolderAction = 'logout' | 'retry';

export interface BoardDeps {
  redis: Redis;
  node: string;
  ttlMs: number;
  manager(): BoardManager;
  /** The accounts this node holds a lease on. */
  held(): Iterable<string>;
  /** Whether this node holds the account's lease (it answers what admins on other nodes ask of the account). */
  holds(account: string): boolean;
  log: Logger;
  /** Wall-clock time (entries of two nodes are compared by it). */
  clock?: Clock;
  /** How often the states of held accounts are compared with what was published (a QR that was replaced sends no event). Default 500 ms. */
  pollMs?: number;
}

/** What the accounts channel carries. `info: null`: the node no longer runs the account. */
type AccountNews =
  | { kind: 'state'; node: string; account: string; info: BotInfo | null; at: number }
  | { kind: 'settings'; node: string; account: string }
  | { kind: 'act'; node: string; account: string; act: HolderAction }
  | { kind: 'ask'; node: string; account: string; ask: string; question: HolderAsk; startBy: number }
  | ({ kind: 'answer'; node: string; account: string; ask: string; to: string } & Reply);

/**
 * How long a question waits: to be taken up by the node running the account (one paused longer drops
 * it when it wakes: its admin was told nothing was done), then for the answer (a code waits for
 * WeChat's there; a removal logs out on WeChat and deletes).
 */
const ASK_TIMES: Record<HolderAsk['act'], AskTimes> = { verify: { startMs: 5000, finishMs: 15_000 }, remove: { startMs: 5000, finishMs: 60_000 } };

/** One account's entry in a node's hash. */
interface Published {
  at: number;
  info: BotInfo;
}

interface Seen extends Published {
  node: string;
}

/** The state without what moves on its own (the last sync, the reply window's countdown): a change of this is news. */
function newsKey(info: BotInfo): string {
  const { lastSyncAt: _sync, replyWindow, ...rest } = info;
  return JSON.stringify({ ...rest, ...(replyWindow && { replyWindow: { ...replyWindow, remainingMs: undefined } }) });
}

export class AccountBoard {
  /** What other nodes published, per account. */
  private readonly seen = new Map<string, Seen>();
  /** The news key last published per held account. */
  private readonly published = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private offEvents: (() => void) | undefined;
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private readonly statesKey: string;
  private readonly log: Logger;
  private readonly clock: Clock;
  /** Questions this node asked of the nodes running accounts, waiting for their answers. */
  private readonly asks: PendingAsks;

  constructor(private readonly deps: BoardDeps) {
    this.clock = deps.clock ?? systemClock;
    this.asks = new PendingAsks(() => this.clock.now());
    this.statesKey = clusterKeys.states(deps.node);
    this.log = deps.log.child({ ns: 'cluster:board' });
  }

  /** Read what the others published, then publish ours as it changes. `subscriber` must already be subscribed to `clusterKeys.accounts`. */
  async start(): Promise<void> {
    await this.resync();
    this.offEvents = this.deps.manager().onEvent((e) => {
      if (e.type.startsWith('account.')) void this.flush();
    });
    this.timer = setInterval(() => void this.flush(), this.deps.pollMs ?? 500);
    this.timer.unref();
  }

  /** A message on the accounts channel. */
  onMessage(text: string): void {
    const news = othersNews<AccountNews>(text, this.deps.node);
    if (!news || typeof news.account !== 'string') return;
    if (news.kind === 'act') return this.act(news.account, news.act);
    if (news.kind === 'ask') return this.answer(news);
    if (news.kind === 'answer') {
      if (news.to === this.deps.node) this.asks.settle(news.ask, news);
      return;
    }
    if (news.kind === 'settings') {
      void this.deps
        .manager()
        .reloadPlugins(news.account)
        .catch((e: unknown) => this.log.warn({ err: e, account: news.account }, 'cluster: could not reload the plugin settings another node changed'));
      return;
    }
    const before = this.seen.get(news.account);
    if (news.info) {
      if (before && before.node !== news.node && before.at > news.at) return;
      this.seen.set(news.account, { node: news.node, info: news.info, at: news.at });
    } else if (before?.node === news.node) this.seen.delete(news.account);
    else return;
    this.deps.manager().placementChanged(news.account);
  }

  /** The node that runs the account and what it published, when that is another node. */
  elsewhere(account: string): Placement | undefined {
    const s = this.seen.get(account);
    return s && { node: s.node, info: s.info };
  }

  /** Plugin settings of the account were saved on this node: tell the others. */
  settingsChanged(account: string): void {
    this.publish({ kind: 'settings', node: this.deps.node, account }).catch((e: unknown) =>
      this.log.warn({ err: e, account }, 'cluster: could not announce changed plugin settings; the node running the account reads them at its next start'),
    );
  }

  /** An admin here asked for something the node running the account must do (log it out, retry its login now). */
  forward(account: string, act: HolderAction): Promise<void> {
    return this.publish({ kind: 'act', node: this.deps.node, account, act });
  }

  /** An admin here asked something only the node running the account can do: wait for its answer. */
  async ask<Q extends HolderAsk>(account: string, question: Q): Promise<HolderAnswers[Q['act']]> {
    const answer = await this.asks.ask(ASK_TIMES[question.act], (ask, startBy) =>
      this.publish({ kind: 'ask', node: this.deps.node, account, ask, question, startBy }),
    );
    return answer as HolderAnswers[Q['act']];
  }

  /** This node stopped running the account (handed over, lost its lease): take it off the board. */
  async gone(account: string): Promise<void> {
    this.published.delete(account);
    await this.deps.redis
      .multi()
      .hdel(this.statesKey, account)
      .publish(clusterKeys.accounts, JSON.stringify({ kind: 'state', node: this.deps.node, account, info: null, at: this.clock.now() } satisfies AccountNews))
      .exec();
  }

  /**
   * Every round (the heartbeat): write every held account's state again (the last sync moves without
   * news) and renew the hash's time to live, then read the other nodes' hashes (what a dead node
   * published goes away with its hash, which is not renewed).
   */
  async refresh(liveNodes: string[]): Promise<void> {
    await this.flush(true);
    await this.resync(liveNodes);
  }

  /** Leaving: our hash goes at once. */
  async leave(): Promise<void> {
    this.close();
    await this.deps.redis.del(this.statesKey);
  }

  close(): void {
    clearInterval(this.timer);
    this.offEvents?.();
    this.asks.close();
  }

  // ---- internals ----

  /**
   * Another node's admin asked: done here if this node holds the account's lease (the others ignore
   * it). The lease, not a running login: an account logged out here is still this node's to start again.
   */
  private act(account: string, act: HolderAction): void {
    const manager = this.deps.manager();
    if (!this.deps.holds(account)) return;
    this.log.info({ account, act }, 'cluster: doing what an admin on another node asked');
    void (act === 'logout' ? manager.logout(account) : manager.retryNow(account)).catch((e: unknown) =>
      this.log.warn({ err: e, account, act }, 'cluster: could not do what an admin on another node asked'),
    );
  }

  /**
   * A question from another node's admin: taken up by the node holding the account's lease, which says
   * so, does it and answers how it went. One read after its `startBy` (this node was paused, or its
   * event loop starved) is dropped: the asking node has told its admin that nothing was done.
   */
  private answer(news: Extract<AccountNews, { kind: 'ask' }>): void {
    const { account, question } = news;
    if (!this.deps.holds(account)) return;
    // Never the code itself in the log.
    const fields = { account, act: question.act, from: news.node };
    if (!(this.clock.now() <= news.startBy))
      return void this.log.warn(fields, 'cluster: an admin on another node asked too long ago; not done (they were told so)');
    const reply = (r: Reply): Promise<void> => this.publish({ kind: 'answer', node: this.deps.node, account, ask: news.ask, to: news.node, ...r });
    reply({ started: true }).catch((e: unknown) => this.log.warn({ err: e, account }, 'cluster: could not answer another node'));
    this.log.info(fields, 'cluster: doing what an admin on another node asked');
    const manager = this.deps.manager();
    const work: Promise<string> =
      question.act === 'verify' ? manager.submitVerifyCode(account, String(question.code)) : manager.remove(account).then(() => 'removed');
    work
      .then(
        (answer) => reply({ answer }),
        (e: unknown) => {
          this.log.warn({ err: e, account, act: question.act }, 'cluster: could not do what an admin on another node asked');
          return reply({ error: failureText(e) });
        },
      )
      .catch((e: unknown) => this.log.warn({ err: e, account }, 'cluster: could not answer another node'));
  }

  /** Publish the states of held accounts that changed since last published (`all`: write every one to the hash, renewing it). One flush at a time. */
  private flush(all = false): Promise<void> {
    if (this.flushing && !all) {
      this.flushAgain = true;
      return this.flushing;
    }
    const p: Promise<void> = (this.flushing ?? Promise.resolve())
      .then(() => this.flushOnce(all))
      .catch((e: unknown) => this.log.warn({ err: e }, 'cluster: could not publish the accounts’ states'))
      .finally(() => {
        if (this.flushing !== p) return;
        this.flushing = undefined;
        if (!this.flushAgain) return;
        this.flushAgain = false;
        void this.flush();
      });
    this.flushing = p;
    return p;
  }

  private async flushOnce(all: boolean): Promise<void> {
    const manager = this.deps.manager();
    const multi = this.deps.redis.multi();
    const now = this.clock.now();
    let writes = 0;
    for (const account of this.deps.held()) {
      const info = manager.get(account)?.info();
      // Not running here yet (its runtime starts after the fence is raised): the previous holder's state stands.
      if (!info || info.node !== this.deps.node) continue;
      const key = newsKey(info);
      const changed = this.published.get(account) !== key;
      if (!changed && !all) continue;
      this.published.set(account, key);
      writes++;
      multi.hset(this.statesKey, account, JSON.stringify({ at: now, info } satisfies Published));
      if (changed) multi.publish(clusterKeys.accounts, JSON.stringify({ kind: 'state', node: this.deps.node, account, info, at: now } satisfies AccountNews));
    }
    // Nothing changed: no round trip (the rounds renew the hash's time to live).
    if (writes === 0 && !all) return;
    multi.pexpire(this.statesKey, this.deps.ttlMs);
    await multi.exec();
  }

  /** Read every live node's hash; what changed is handed to the manager. */
  private async resync(liveNodes?: string[]): Promise<void> {
    const nodes = (liveNodes ?? (await this.deps.redis.smembers(clusterKeys.nodes))).filter((n) => n !== this.deps.node);
    const multi = this.deps.redis.multi();
    for (const n of nodes) multi.hgetall(clusterKeys.states(n));
    const replies = nodes.length ? ((await multi.exec()) ?? []) : [];
    const found = new Map<string, Seen>();
    nodes.forEach((node, i) => {
      const [error, hash] = replies[i] ?? [];
      if (error || !hash) return;
      for (const [account, text] of Object.entries(hash as Record<string, string>)) {
        try {
          const p = JSON.parse(text) as Published;
          const other = found.get(account);
          // Two nodes name the account during a handover: the newer entry is the new holder's.
          if (!other || other.at < p.at) found.set(account, { node, ...p });
        } catch {
          // a damaged entry is skipped; its node writes it again at its next round
        }
      }
    });
    const changed: string[] = [];
    for (const [account, s] of found) {
      const before = this.seen.get(account);
      if (before && before.at > s.at && before.node !== s.node) continue;
      if (!before || before.node !== s.node || JSON.stringify(before.info) !== JSON.stringify(s.info)) changed.push(account);
      this.seen.set(account, s);
    }
    for (const account of [...this.seen.keys()]) {
      if (found.has(account)) continue;
      this.seen.delete(account);
      changed.push(account);
    }
    const manager = this.deps.manager();
    for (const account of changed) manager.placementChanged(account);
  }

  private async publish(news: AccountNews): Promise<void> {
    await this.deps.redis.publish(clusterKeys.accounts, JSON.stringify(news));
  }
}
