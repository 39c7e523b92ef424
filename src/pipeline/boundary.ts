/**
 * The error boundary and timeout around each plugin (style.md §8, §11). A plugin that throws,
 * rejects or hangs is reported under its name and the rest of the chain still runs: if it had not
 * called `next()` yet, the boundary calls it on its behalf. Time spent downstream (after the
 * plugin's `next()`) does not count against the plugin's own budget.
 */
import type { Clock } from '../util/clock.js';
import type { TraceStep } from '../store/traces-repo.js';
import type { Middleware, Next } from './compose.js';
import type { Context } from './context.js';
import { PluginError } from './plugin.js';

interface Watch {
  deadline: number;
  paused: boolean;
  fire: () => void;
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
    this.abort.abort();
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
  /** The per-message trace steps (`ctx.state` is plugin-visible, so the host passes its own). */
  steps(ctx: Context): TraceStep[] | undefined;
}

/** Wrap one plugin's (composed) middleware in its boundary. */
export function boundary(mw: Middleware<Context>, o: BoundaryOptions): Middleware<Context> {
  const { name, clock, watchdog } = o;
  return (ctx, next) => {
    const started = clock.now();
    const outer = ctx.plugin;
    let calledNext = false;
    let settled = false;
    let downstream: Promise<void> | undefined;
    const step: TraceStep = { plugin: name, outcome: 'ran', ms: 0 };
    o.steps(ctx)?.push(step);

    return new Promise<void>((resolve) => {
      const watch: Watch = {
        deadline: started + o.timeoutMs,
        paused: false,
        fire: () => {
          if (settled) return;
          settled = true;
          step.outcome = 'timeout';
          step.ms = clock.now() - started;
          o.report(new PluginError(name, 'timeout', new Error(`no answer within ${o.timeoutMs} ms`), ctx.message.id), ctx);
          ctx.plugin = outer;
          // The hung plugin never passed the message on: do it for it, so the others still run.
          resolve(calledNext ? downstream!.catch(() => {}) : next());
        },
      };
      const guardedNext: Next = () => {
        if (settled || calledNext) {
          // A late or second call (after a timeout, or a double next) must not re-run the chain.
          return calledNext && downstream ? downstream : Promise.resolve();
        }
        calledNext = true;
        watch.paused = true;
        const remaining = watch.deadline - clock.now();
        ctx.plugin = outer;
        downstream = next().finally(() => {
          if (settled) return;
          ctx.plugin = name;
          watch.deadline = clock.now() + Math.max(0, remaining);
          watch.paused = false;
        });
        return downstream;
      };
      const finish = (error?: unknown, kind?: 'threw' | 'rejected'): void => {
        if (settled) return;
        settled = true;
        watchdog.remove(watch);
        step.ms = clock.now() - started;
        ctx.plugin = outer;
        if (ctx.repliedBy.has(name)) step.outcome = 'replied';
        else if (!calledNext) step.outcome = 'stopped';
        if (kind) {
          step.outcome = 'failed';
          step.error = error instanceof Error ? error.message : String(error);
          o.report(new PluginError(name, kind, error, ctx.message.id), ctx);
          resolve(calledNext ? downstream!.catch(() => {}) : next());
          return;
        }
        resolve();
      };

      ctx.plugin = name;
      let out: unknown;
      try {
        out = mw(ctx, guardedNext);
      } catch (e) {
        finish(e, 'threw');
        return;
      }
      if (out instanceof Promise) {
        watchdog.add(watch);
        out.then(
          () => finish(),
          (e: unknown) => finish(e, 'rejected'),
        );
      } else if (calledNext) {
        // A synchronous middleware that returned next() without awaiting it: wait for downstream.
        watchdog.add(watch);
        downstream!.then(
          () => finish(),
          () => finish(),
        );
      } else {
        finish();
      }
    });
  };
}
