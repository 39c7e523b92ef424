/**
 * One account end to end: its Bot, its PluginHost, the scheduling of its incoming messages and the
 * batching of their decision traces. The Bot stores and announces what arrives; the runtime takes
 * each message into its chat's lane (src/accounts/chat-lanes.ts), runs the plugin pipeline on it,
 * and a reply goes straight down: pipeline → bot.send → outbound queue → transport.
 */
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import { dayOf } from '../util/day.js';
import type { Repos, Store } from '../store/index.js';
import type { Message } from '../transport/model.js';
import type { PluginHost } from '../pipeline/plugin-host.js';
import type { DecisionTrace } from '../pipeline/trace.js';
import type { Bot } from '../bot/bot.js';
import { typingWhileSlow } from '../bot/typing.js';
import { ChatLanes } from './chat-lanes.js';

export interface AccountRuntimeDeps {
  bot: Bot;
  plugins: PluginHost;
  repos: Pick<Repos, 'traces' | 'stats'> & Pick<Store, 'transaction'>;
  clock: Clock;
  log: Logger;
  /** Chats of this account handled at the same time (CHAT_CONCURRENCY); each chat stays in order. */
  chatConcurrency: number;
  /** Traces kept per account (older ones are pruned). Default 5000. */
  keepTraces?: number;
}

/** Traces go to SQLite in batches: every 64 during a burst, or as soon as the burst is over. */
const TRACE_BATCH = 64;

export class AccountRuntime {
  readonly bot: Bot;
  readonly plugins: PluginHost;
  private readonly lanes: ChatLanes;
  private readonly handledListeners = new Set<(t: DecisionTrace) => void>();
  private traces: DecisionTrace[] = [];
  private traceFlush: NodeJS.Immediate | undefined;
  /** A flush is due when the lanes fall idle (one waiter at a time, however long a lane takes). */
  private flushOnIdle = false;
  private tracesSincePrune = 0;
  private writes: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: AccountRuntimeDeps) {
    this.bot = deps.bot;
    this.plugins = deps.plugins;
    this.lanes = new ChatLanes(deps.chatConcurrency);
    this.unsubscribe = deps.bot.on('message', (m) => {
      // WeChat's echo of our own send, which no plugin reads: nothing to decide, so no lane turn and no trace
      // (the send's outbound record and `message.sent` say what happened; issue 17: half of a busy bot's messages).
      if (!this.plugins.readsOwnMessages && deps.bot.echoesOwnSend(m)) return;
      this.lanes.push(m.chatId, () => this.handle(m));
    });
  }

  /** Called with each message's decision trace once the pipeline is done with it. Returns the unsubscribe function. */
  onHandled(listener: (t: DecisionTrace) => void): () => void {
    this.handledListeners.add(listener);
    return () => void this.handledListeners.delete(listener);
  }

  /** Resolve when every message received so far went through the pipeline and its trace is stored. */
  async idle(): Promise<void> {
    await this.bot.idle();
    await this.lanes.idle();
    this.flushTraces();
    await this.writes;
  }

  /**
   * Stop taking messages after the ones in hand (bounded wait), store the traces. `received`: wait only for what
   * was received (stored, through the pipeline, its replies queued), not for the bot's other writes still in line
   * (its directory, its state's events): a handover's lease waits for this, and those land (or are fenced out)
   * after it.
   */
  async drain(timeoutMs = 10_000, options: { received?: boolean } = {}): Promise<void> {
    const ac = new AbortController();
    await Promise.race([this.idle(), this.deps.clock.sleep(timeoutMs, ac.signal).catch(() => {})]);
    ac.abort();
    this.flushTraces();
    await this.writes;
    await (options.received ? this.bot.idle() : this.bot.drain());
  }

  /** Detach from the bot (the account is removed). */
  close(): void {
    this.unsubscribe();
  }

  private async handle(m: Message): Promise<void> {
    // Where the transport has one, "typing…" shows while the plugins take long over an answer.
    // An answer a plugin goes on working on after the chain returned (the AI) keeps it on until it settles.
    const stopTyping = m.isSelf ? undefined : typingWhileSlow(this.bot.transport, m.chatId, this.deps.clock, this.deps.log);
    const working: Promise<unknown>[] = [];
    try {
      // A bound push, not an arrow in the literal: tsx (tests, benchmarks) names such an arrow, at a cost, for every message.
      const trace = await this.plugins.handle(m, { working: working.push.bind(working) });
      this.traces.push(trace);
      for (const l of this.handledListeners) l(trace);
    } catch (e) {
      this.deps.log.error({ err: e }, 'pipeline failed');
    } finally {
      // An answer still being worked on when the chain returned is slow by definition: typing at once, until it settles.
      if (stopTyping && working.length) {
        const stopWorking = typingWhileSlow(this.bot.transport, m.chatId, this.deps.clock, this.deps.log, 0);
        void Promise.allSettled(working).then(() => {
          stopTyping();
          stopWorking();
        });
      } else stopTyping?.();
    }
    if (this.traces.length >= TRACE_BATCH) this.flushTraces();
    else if (this.traces.length) {
      this.traceFlush ??= setImmediate(() => this.flushTraces());
      // Sooner when every lane is done before that: the traces of a sync's batch then join the COMMIT its
      // messages and replies are waiting for, instead of one of their own a turn later (issue 17). Not for a
      // lone message: its trace would be written before its reply leaves, on the way to the wire.
      if (!this.flushOnIdle && this.traces.length > 1) {
        this.flushOnIdle = true;
        void this.lanes.idle().then(() => {
          this.flushOnIdle = false;
          this.flushTraces();
        });
      }
    }
  }

  /** One transaction per burst instead of one per message. */
  private flushTraces(): void {
    if (this.traceFlush) clearImmediate(this.traceFlush);
    this.traceFlush = undefined;
    const batch = this.traces;
    if (batch.length === 0) return;
    this.traces = [];
    const { repos } = this.deps;
    const account = this.bot.id;
    const replied = batch.filter((t) => t.replied).length;
    const day = dayOf(this.deps.clock.now());
    this.tracesSincePrune += batch.length;
    const prune = this.tracesSincePrune >= 500;
    if (prune) this.tracesSincePrune = 0;
    this.writes = this.writes
      .then(() =>
        repos.transaction(async (tx) => {
          await tx.traces.insertMany(batch);
          if (replied) await tx.stats.add(account, day, 'replied', replied);
          if (prune) await tx.traces.prune(account, this.deps.keepTraces ?? 5000);
        }),
      )
      .catch((e: unknown) => this.bot.writeFailures.failed(e, 'store decision traces'));
  }
}
