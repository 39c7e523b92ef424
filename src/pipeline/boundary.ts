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
 * it knows what lies downstream: the next plugin's boundary, whose promise never rejects, or the
 * end of the chain, where nothing runs. That lets the common plugin cost little:
 * - a plugin that passed the message on and returned `next()`'s own promise (every `filter`,
 *   `hears`, `command`… that did not match) has nothing left of its own: no promise of its own, no
 *   watch, and it settles with the plugin after it;
 * - at the end of the chain, `next()` pauses nothing.
 *
 * Clock reads: one when the plugin starts, one when it settles. The pause and resume around its
 * `next()` take the next plugin's reads: the next plugin starts inside this one's `next()` and this
 * one's downstream settles when that plugin does. A plugin that passes through settles on that
 * read too. Where the chain ends in a caller's own `next` (a boundary used as middleware), the run
 * reads the clock itself around it.
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
  private downstream: Promise<void> | undefined;
  private remaining = NaN;
  private resumedAtMs: number | undefined;
  /** Resolves this run's own promise; only a plugin still running after it returned has one (it may time out). */
  private resolve: ((v: Promise<void> | void) => void) | undefined;
  private readonly step: TraceStep;
  /** The host's part of the context (running plugin, trace, who replied). */
  private readonly host: ContextHostState;
  /** The plugin's `next()`. */
  private readonly guardedNext: Next;

  /**
   * @param caller The run that passed the message to this one (its `next()` started this run), to
   *   hand it this run's clock reads.
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

  /** Whether what runs after this plugin can neither reject nor be left running: another boundary or nothing. */
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
    this.downstream = this.rest(this);
    // No boundary started inside next() to hand its read over: read now.
    if (Number.isNaN(this.remaining)) this.remaining = this.deadline - this.o.clock.now();
    const resume = this.resume.bind(this);
    this.downstream.then(resume, resume);
    return this.downstream;
  }

  /** Run what comes after this plugin: the next plugin's boundary (told who passed the message, to share clock reads), or the caller's next. */
  private rest(caller: Run | undefined): Promise<void> {
    const i = this.index + 1;
    if (i < this.layers.length) return new Run(this.layers, i, this.ctx, this.last, caller).start();
    return this.last ? callNext(this.last) : END;
  }

  pausedAt(ms: number): void {
    this.remaining = this.deadline - ms;
  }

  resumedAt(ms: number): void {
    this.resumedAtMs = ms;
  }

  private resume(): void {
    this.downstreamSettled = true;
    if (this.passThrough) return this.finish();
    if (this.settled) return;
    this.host.plugin = this.o.name;
    this.deadline = (this.resumedAtMs ?? this.o.clock.now()) + Math.max(0, this.remaining);
    this.paused = false;
  }

  /** The watchdog says this plugin took too long. */
  fire(): void {
    if (this.settled) return;
    this.settled = true;
    this.step.outcome = 'timeout';
    this.step.ms = this.o.clock.now() - this.started;
    this.o.report(new PluginError(this.o.name, 'timeout', new Error(`no answer within ${this.o.timeoutMs} ms`), this.ctx.message.id), this.ctx);
    this.host.plugin = this.outer;
    // The hung plugin never passed the message on: do it for it, so the others still run.
    this.resolve!(this.calledNext ? this.downstream!.catch(() => {}) : this.rest(undefined));
  }

  /** The plugin threw or rejected: report it, and pass the message on if it had not. Returns what is left to wait for. */
  private fail(error: unknown, kind: 'threw' | 'rejected'): Promise<void> {
    if (this.settled) return END;
    this.settle();
    const { step } = this;
    step.outcome = 'failed';
    step.error = messageOf(error);
    const phrase = phraseOf(error);
    if (phrase) step.errorPhrase = phrase;
    this.o.report(new PluginError(this.o.name, kind, error, this.ctx.message.id), this.ctx);
    const rest = this.calledNext ? this.downstream!.catch(() => {}) : this.rest(undefined);
    this.resolve?.(rest);
    return rest;
  }

  private finish(): void {
    if (this.settled) return;
    const now = this.settle();
    if (this.host.repliedBy.has(this.o.name)) this.step.outcome = 'replied';
    else if (!this.calledNext) this.step.outcome = 'stopped';
    // The caller's downstream is this run's promise (only boundaries in between): it resumes now.
    this.caller?.resumedAt(now);
    this.resolve?.();
  }

  /** Common to every way of settling but a timeout; returns the time it settled at. */
  private settle(): number {
    this.settled = true;
    this.o.watchdog.remove(this);
    // A plugin that passed through settled with the plugin after it, on that one's read.
    const now = this.passThrough && this.resumedAtMs !== undefined ? this.resumedAtMs : this.o.clock.now();
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
