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
import { HOST, type ClockShare, type ContextHostState } from './context-host.js';
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

/**
 * One plugin's run on one message: a small object instead of a handful of closures per call.
 *
 * Clock reads: one when the plugin starts, one when it settles. The pause and resume around its
 * `next()` take the next plugin's reads (handed over through the context, see ClockShare): in the
 * host's chains, which hold only boundaries, the next plugin starts inside this one's `next()` and
 * this one's downstream settles when that plugin does. Where no boundary follows, it reads itself.
 */
class Run extends Watch implements ClockShare {
  private started: number;
  private outer: string | undefined;
  private calledNext = false;
  private downstreamSettled = false;
  private settled = false;
  private downstream: Promise<void> | undefined;
  private remaining = NaN;
  private resumedAtMs: number | undefined;
  /** The run that passed the message to this one, to hand it this run's clock reads. */
  private readonly caller: ClockShare | undefined;
  private resolve!: (v: Promise<void> | void) => void;
  private readonly step: TraceStep;
  /** The host's part of the context (running plugin, trace, who replied). */
  private readonly host: ContextHostState;
  readonly promise: Promise<void>;

  constructor(
    private readonly o: BoundaryOptions,
    private readonly ctx: Context,
    private readonly next: Next,
  ) {
    super();
    this.started = o.clock.now();
    this.deadline = this.started + o.timeoutMs;
    this.host = ctx[HOST];
    this.caller = this.host.passing;
    this.host.passing = undefined;
    this.caller?.pausedAt(this.started);
    this.outer = this.host.plugin;
    this.step = { plugin: o.name, outcome: 'ran', ms: 0 };
    this.host.trace.push(this.step);
    this.promise = new Promise<void>((r) => (this.resolve = r));
  }

  start(mw: Middleware<Context>): Promise<void> {
    const { ctx } = this;
    this.host.plugin = this.o.name;
    let out: unknown;
    try {
      out = mw(ctx, this.guardedNext.bind(this));
    } catch (e) {
      this.finish(e, 'threw');
      return this.promise;
    }
    if (out instanceof Promise) {
      this.o.watchdog.add(this);
      out.then(
        () => this.finish(),
        (e: unknown) => this.finish(e, 'rejected'),
      );
    } else if (this.calledNext) {
      // A synchronous middleware that returned without awaiting next(): wait for downstream.
      this.o.watchdog.add(this);
      this.downstream!.then(
        () => this.finish(),
        () => this.finish(),
      );
    } else {
      this.finish();
    }
    return this.promise;
  }

  private guardedNext(): Promise<void> {
    if (this.settled || this.calledNext) {
      // A late or second call (after a timeout, or a double next) must not re-run the chain.
      return this.calledNext && this.downstream ? this.downstream : Promise.resolve();
    }
    this.calledNext = true;
    this.paused = true;
    this.host.plugin = this.outer;
    this.host.passing = this;
    this.downstream = this.next();
    if (this.host.passing === this) this.host.passing = undefined;
    // No boundary started inside next() to hand its read over: read now.
    if (Number.isNaN(this.remaining)) this.remaining = this.deadline - this.o.clock.now();
    this.downstream.then(
      () => this.resume(),
      () => this.resume(),
    );
    return this.downstream;
  }

  pausedAt(ms: number): void {
    this.remaining = this.deadline - ms;
  }

  resumedAt(ms: number): void {
    this.resumedAtMs = ms;
  }

  private resume(): void {
    this.downstreamSettled = true;
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
    this.resolve(this.calledNext ? this.downstream!.catch(() => {}) : this.next());
  }

  private finish(error?: unknown, kind?: 'threw' | 'rejected'): void {
    if (this.settled) return;
    this.settled = true;
    this.o.watchdog.remove(this);
    const { step, ctx } = this;
    const now = this.o.clock.now();
    step.ms = now - this.started;
    this.host.plugin = this.outer;
    // Settled downstream resumes this run before the plugin's own promise can settle, when it awaited next().
    if (this.calledNext && !this.downstreamSettled && this.o.warn)
      this.o.warn(`plugin ${this.o.name} finished before the rest of the chain — missing await on next()?`);
    if (this.host.repliedBy.has(this.o.name)) step.outcome = 'replied';
    else if (!this.calledNext) step.outcome = 'stopped';
    if (kind) {
      step.outcome = 'failed';
      step.error = messageOf(error);
      const phrase = phraseOf(error);
      if (phrase) step.errorPhrase = phrase;
      this.o.report(new PluginError(this.o.name, kind, error, ctx.message.id), ctx);
      this.resolve(this.calledNext ? this.downstream!.catch(() => {}) : this.next());
      return;
    }
    // The caller's downstream is this run's promise (only boundaries in between): it resumes now.
    this.caller?.resumedAt(now);
    this.resolve();
  }
}

/** Wrap one plugin's (composed) middleware in its boundary. */
export function boundary(mw: Middleware<Context>, o: BoundaryOptions): Middleware<Context> {
  return (ctx, next) => new Run(o, ctx, next).start(mw);
}
