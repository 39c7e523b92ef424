/**
 * The error boundary and timeout around each plugin (style.md §8, §11). A plugin that throws,
 * rejects or hangs is reported under its name and the rest of the chain still runs: if it had not
 * called `next()` yet, the boundary calls it on its behalf. Time spent downstream (after the
 * plugin's `next()`) does not count against the plugin's own budget.
 */
import type { Clock } from '../util/clock.js';
import type { TraceStep } from './trace.js';
import type { Middleware, Next } from './compose.js';
import type { Context } from './context.js';
import { HOST, type ContextHostState } from './context-host.js';
import { PluginError } from './plugin.js';
import { phraseOf } from '../util/phrase.js';

interface Watch {
  deadline: number;
  paused: boolean;
  fire(): void;
}

/**
 * One timer loop for all running plugins of a host instead of a timer per plugin per message. It
 * only runs while something is being watched, and ticks at a quarter of the timeout.
 */
export class Watchdog {
  private watches = new Set<Watch>();
  private running = false;
  private abort = new AbortController();

  constructor(
    private readonly clock: Clock,
    private readonly tickMs: number,
  ) {}

  add(w: Watch): void {
    this.watches.add(w);
    if (!this.running && !this.abort.signal.aborted) {
      this.running = true;
      void this.loop();
    }
  }

  remove(w: Watch): void {
    this.watches.delete(w);
  }

  close(): void {
    this.abort.abort(new Error('watchdog closed'));
  }

  private async loop(): Promise<void> {
    try {
      while (this.watches.size > 0) {
        await this.clock.sleep(this.tickMs, this.abort.signal);
        const now = this.clock.now();
        for (const w of this.watches) {
          if (!w.paused && w.deadline <= now) {
            this.watches.delete(w);
            w.fire();
          }
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
}

/** One plugin's run on one message: a small object instead of a handful of closures per call. */
class Run implements Watch {
  deadline: number;
  paused = false;
  private started: number;
  private outer: string | undefined;
  private calledNext = false;
  private settled = false;
  private downstream: Promise<void> | undefined;
  private remaining = 0;
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
    this.started = o.clock.now();
    this.deadline = this.started + o.timeoutMs;
    this.host = ctx[HOST];
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
    this.remaining = this.deadline - this.o.clock.now();
    this.host.plugin = this.outer;
    this.downstream = this.next();
    this.downstream.then(
      () => this.resume(),
      () => this.resume(),
    );
    return this.downstream;
  }

  private resume(): void {
    if (this.settled) return;
    this.host.plugin = this.o.name;
    this.deadline = this.o.clock.now() + Math.max(0, this.remaining);
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
    step.ms = this.o.clock.now() - this.started;
    this.host.plugin = this.outer;
    if (this.host.repliedBy.has(this.o.name)) step.outcome = 'replied';
    else if (!this.calledNext) step.outcome = 'stopped';
    if (kind) {
      step.outcome = 'failed';
      step.error = error instanceof Error ? error.message : String(error);
      const phrase = phraseOf(error);
      if (phrase) step.errorPhrase = phrase;
      this.o.report(new PluginError(this.o.name, kind, error, ctx.message.id), ctx);
      this.resolve(this.calledNext ? this.downstream!.catch(() => {}) : this.next());
      return;
    }
    this.resolve();
  }
}

/** Wrap one plugin's (composed) middleware in its boundary. */
export function boundary(mw: Middleware<Context>, o: BoundaryOptions): Middleware<Context> {
  return (ctx, next) => new Run(o, ctx, next).start(mw);
}
