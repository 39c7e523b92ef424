/**
 * The error boundary and timeout around each plugin (style.md §8, §11). A plugin that throws,
 * rejects or hangs is reported under its name and the rest of the chain still runs: if it had not
 * called `next()` yet, the boundary calls it on its behalf. Time spent downstream (after the
 * plugin's `next()`) does not count against the plugin's own budget.
 */
import type { Clock } from '../util/clock.js';
import type { TraceStep } from './trace.js';
import type { Middleware, Next, Warn } from './compose.js';
import type { Context } from './context.js';
import { HOST, type ContextHostState } from './context-host.js';
import { PluginError } from './plugin.js';
import { phraseOf } from '../util/phrase.js';
import { messageOf } from '../util/error-text.js';

/** Something the watchdog watches: linked into its list while running (no Set, no hashing per message). */
abstract class Watch {
  deadline = 0;
  paused = false;
  /** The watchdog's list: this entry's neighbours, and whether it is in the list. */
  prevWatch: Watch | undefined;
  nextWatch: Watch | undefined;
  watched = false;
  abstract fire(): void;
}

/**
 * One timer loop for all running plugins of a host instead of a timer per plugin per message. It
 * only runs while something is being watched, and ticks at a quarter of the timeout.
 */
export class Watchdog {
  private head: Watch | undefined;
  private running = false;
  private abort = new AbortController();

  constructor(
    private readonly clock: Clock,
    private readonly tickMs: number,
  ) {}

  add(w: Watch): void {
    if (w.watched) return;
    w.watched = true;
    w.prevWatch = undefined;
    w.nextWatch = this.head;
    if (this.head) this.head.prevWatch = w;
    this.head = w;
    if (!this.running && !this.abort.signal.aborted) {
      this.running = true;
      void this.loop();
    }
  }

  remove(w: Watch): void {
    if (!w.watched) return;
    w.watched = false;
    if (w.prevWatch) w.prevWatch.nextWatch = w.nextWatch;
    else this.head = w.nextWatch;
    if (w.nextWatch) w.nextWatch.prevWatch = w.prevWatch;
    w.prevWatch = w.nextWatch = undefined;
  }

  close(): void {
    this.abort.abort(new Error('watchdog closed'));
  }

  private async loop(): Promise<void> {
    try {
      while (this.head) {
        await this.clock.sleep(this.tickMs, this.abort.signal);
        const now = this.clock.now();
        for (let w: Watch | undefined = this.head; w;) {
          const next: Watch | undefined = w.nextWatch;
          if (!w.paused && w.deadline <= now) {
            this.remove(w);
            w.fire();
          }
          w = next;
        }
      }
    } catch {
      // closed
    } finally {
      this.running = false;
    }
  }
}

export interface BoundaryOptions {
  name: string;
  timeoutMs: number;
  clock: Clock;
  watchdog: Watchdog;
  /** Where failures go (log, SQLite, `error` event). */
  report(error: PluginError, ctx: Context): void;
  /**
   * Development warning for a plugin that finished while the rest of the chain it started still
   * runs (a `next()` without `await`). The boundary watches this itself, so the host's chain of
   * boundaries needs no watch of its own.
   */
  warn?: Warn;
}

/** One plugin of a chain: its (composed) middleware and its boundary's options. */
export interface BoundaryLayer {
  mw: Middleware<Context>;
  options: BoundaryOptions;
}

/** What the end of a chain without a final `next` hands back: nothing runs there. */
const END: Promise<void> = Promise.resolve();

function callNext(next: Next): Promise<void> {
  try {
    return Promise.resolve(next());
  } catch (e) {
    return Promise.reject(e as Error);
  }
}

/**
 * One plugin's run on one message: a small object instead of a handful of closures per call.
 *
 * In a chain of boundaries each run starts the next plugin's run itself (no compose() between), so
 * it knows what lies downstream: the next plugin's boundary, or the end of the chain, where nothing
 * runs. That keeps the common plugin cheap:
 * - a run tells the run that passed it the message (its caller) the moment its promise settles,
 *   with its clock read, so the caller resumes then without a reaction of its own on that promise;
 * - a plugin that passed the message on and returned `next()`'s own promise (every `filter`,
 *   `hears`, `command`… that did not match) has nothing left of its own: no promise, no watch, and
 *   it settles when the plugin after it does, on that one's read;
 * - at the end of the chain, `next()` pauses nothing.
 * So a run reads the clock when its plugin starts and when it settles (a plugin that passes through
 * only when it starts); its pause and resume take the next plugin's reads. Where the chain ends in a
 * caller's own `next` (a boundary used as middleware), the run watches and reads around that itself.
 */
class Run extends Watch {
  private readonly o: BoundaryOptions;
  private readonly started: number;
  private readonly outer: string | undefined;
  private calledNext = false;
  private downstreamSettled = false;
  private settled = false;
  /** The plugin returned its `next()`'s promise (or nothing, after calling it): it settles when downstream does. */
  private passThrough = false;
  /** Settled by a failure or a timeout while what it passed on still runs: tell the caller when that settles. */
  private forwarding = false;
  private downstream: Promise<void> | undefined;
  private remaining = NaN;
  /** Resolves this run's own promise; only a plugin still running after it returned has one (it may time out). */
  private resolve: ((v: Promise<void> | void) => void) | undefined;
  private readonly step: TraceStep;
  /** The host's part of the context (running plugin, trace, who replied). */
  private readonly host: ContextHostState;
  /** The plugin's `next()`. */
  private readonly guardedNext: Next;

  /**
   * @param caller The run whose `next()` started this one: it waits for this run's promise, and
   *   takes this run's clock reads as its pause and resume.
   */
  constructor(
    private readonly layers: readonly BoundaryLayer[],
    private readonly index: number,
    private readonly ctx: Context,
    private readonly last: Next | undefined,
    private readonly caller: Run | undefined,
  ) {
    super();
    // Bound, not an arrow field: tsx (tests, benchmarks) names every arrow it creates, per object.
    this.guardedNext = this.passOn.bind(this);
    const o = (this.o = layers[index]!.options);
    this.started = o.clock.now();
    this.deadline = this.started + o.timeoutMs;
    this.host = ctx[HOST];
    caller?.pausedAt(this.started);
    this.outer = this.host.plugin;
    this.step = { plugin: o.name, outcome: 'ran', ms: 0 };
    this.host.trace.push(this.step);
  }

  start(): Promise<void> {
    this.host.plugin = this.o.name;
    let out: unknown;
    try {
      out = this.layers[this.index]!.mw(this.ctx, this.guardedNext);
    } catch (e) {
      return this.fail(e, 'threw');
    }
    const isPromise = out instanceof Promise;
    if (this.calledNext && (out === this.downstream || !isPromise) && this.downstreamTrusted()) {
      if (this.downstreamSettled) this.finish();
      else this.passThrough = true;
      return this.downstream!;
    }
    if (isPromise) {
      this.o.watchdog.add(this);
      (out as Promise<unknown>).then(
        () => this.finish(),
        (e: unknown) => this.fail(e, 'rejected'),
      );
    } else if (this.calledNext) {
      // A synchronous middleware that returned without awaiting the caller's next(): wait for it.
      this.o.watchdog.add(this);
      this.downstream!.then(
        () => this.finish(),
        () => this.finish(),
      );
    } else {
      this.finish();
      return END;
    }
    return new Promise<void>((r) => (this.resolve = r));
  }

  /** Whether what runs after this plugin is another boundary (which tells this run when it settles, and never rejects) or nothing. */
  private downstreamTrusted(): boolean {
    return !this.last || this.index + 1 < this.layers.length;
  }

  private passOn(): Promise<void> {
    if (this.settled || this.calledNext) {
      // A late or second call (after a timeout, or a double next) must not re-run the chain.
      return this.calledNext && this.downstream ? this.downstream : Promise.resolve();
    }
    this.calledNext = true;
    if (this.index + 1 === this.layers.length && !this.last) {
      // The end of the chain: nothing runs downstream, so nothing to pause for.
      this.downstreamSettled = true;
      return (this.downstream = END);
    }
    this.paused = true;
    this.host.plugin = this.outer;
    // The next run may settle before it returns (a plugin that stops at once): it resumes this one then.
    this.downstream = this.rest();
    return this.downstream;
  }

  /**
   * Run what comes after this plugin: the next plugin's boundary (which reports back to this run),
   * or the caller's next (watched here, with this run's own clock reads), or nothing.
   */
  private rest(): Promise<void> {
    const i = this.index + 1;
    if (i < this.layers.length) return new Run(this.layers, i, this.ctx, this.last, this).start();
    if (!this.last) return END;
    const p = callNext(this.last);
    if (!this.settled) this.remaining = this.deadline - this.o.clock.now();
    const done = this.downstreamDone.bind(this, undefined);
    p.then(done, done);
    return p;
  }

  pausedAt(ms: number): void {
    this.remaining = this.deadline - ms;
  }

  /** What this run passed on has settled (at `ms`, when the run after it read the clock). */
  private downstreamDone(ms: number | undefined): void {
    this.downstreamSettled = true;
    if (this.settled) {
      if (!this.forwarding) return;
      this.forwarding = false;
      this.caller?.downstreamDone(ms);
      return;
    }
    if (this.passThrough) return this.finish(ms);
    this.host.plugin = this.o.name;
    this.deadline = (ms ?? this.o.clock.now()) + Math.max(0, this.remaining);
    this.paused = false;
  }

  /** The watchdog says this plugin took too long. */
  fire(): void {
    if (this.settled) return;
    this.settled = true;
    this.step.outcome = 'timeout';
    const now = this.o.clock.now();
    this.step.ms = now - this.started;
    this.o.report(new PluginError(this.o.name, 'timeout', new Error(`no answer within ${this.o.timeoutMs} ms`), this.ctx.message.id), this.ctx);
    this.host.plugin = this.outer;
    // The hung plugin never passed the message on: do it for it, so the others still run.
    this.resolve!(this.afterFailure(now));
  }

  /** The plugin threw or rejected: report it, and pass the message on if it had not. Returns what is left to wait for. */
  private fail(error: unknown, kind: 'threw' | 'rejected'): Promise<void> {
    if (this.settled) return END;
    const now = this.settle(undefined);
    const { step } = this;
    step.outcome = 'failed';
    step.error = messageOf(error);
    const phrase = phraseOf(error);
    if (phrase) step.errorPhrase = phrase;
    this.o.report(new PluginError(this.o.name, kind, error, this.ctx.message.id), this.ctx);
    const rest = this.afterFailure(now);
    this.resolve?.(rest);
    return rest;
  }

  /**
   * What a failed or hung run waits for: what it passed on, or the rest of the chain run on its
   * behalf. Its caller resumes when that settles (told by the run after it), or now if nothing is left.
   */
  private afterFailure(now: number): Promise<void> {
    this.forwarding = true;
    const rest = this.calledNext ? (this.downstreamTrusted() ? this.downstream! : this.downstream!.catch(() => {})) : this.rest();
    if (this.downstreamSettled || rest === END) this.downstreamDone(now);
    return rest;
  }

  /** Settled normally; `at` is the read of the plugin after it, for a plugin that passed through. */
  private finish(at?: number): void {
    if (this.settled) return;
    const now = this.settle(at);
    if (this.host.repliedBy.has(this.o.name)) this.step.outcome = 'replied';
    else if (!this.calledNext) this.step.outcome = 'stopped';
    this.resolve?.();
    this.caller?.downstreamDone(now);
  }

  /** Common to every way of settling but a timeout; returns the time it settled at. */
  private settle(at: number | undefined): number {
    this.settled = true;
    this.o.watchdog.remove(this);
    const now = at ?? this.o.clock.now();
    this.step.ms = now - this.started;
    this.host.plugin = this.outer;
    // Settled downstream resumes this run before the plugin's own promise can settle, when it awaited next().
    if (this.calledNext && !this.downstreamSettled && this.o.warn)
      this.o.warn(`plugin ${this.o.name} finished before the rest of the chain — missing await on next()?`);
    return now;
  }
}

/**
 * The host's chain: each plugin's middleware inside its boundary, each boundary passing the
 * message straight to the next one. `last` runs after the last plugin (none: the chain ends there).
 */
export function boundaryChain(layers: readonly BoundaryLayer[]): (ctx: Context, last?: Next) => Promise<void> {
  const chain = layers.slice();
  return (ctx, last) => (chain.length ? new Run(chain, 0, ctx, last, undefined).start() : last ? callNext(last) : END);
}

/** Wrap one plugin's (composed) middleware in its boundary, as a middleware of its own. */
export function boundary(mw: Middleware<Context>, options: BoundaryOptions): Middleware<Context> {
  return boundaryChain([{ mw, options }]);
}
