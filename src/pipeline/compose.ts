/**
 * Koa-style middleware composition (koa-compose semantics): each middleware gets `(ctx, next)`,
 * `next()` runs the rest of the chain once, and the whole chain is one promise.
 */

export type Next = () => Promise<void>;
export type Middleware<C> = (ctx: C, next: Next) => Promise<unknown> | unknown;

/** Where development warnings go: `false` turns them off. */
export type Warn = ((message: string) => void) | false;

export interface ComposeOptions {
  /**
   * Warn when a middleware's promise settles while the downstream chain it started is still
   * running — almost always a `next()` without `await`. Default: on unless NODE_ENV=production.
   */
  warn?: Warn;
}

/** Process warnings, except in production (the watch costs a promise per middleware and message). */
export const developmentWarn: Warn = process.env.NODE_ENV === 'production' ? false : (m: string): void => void process.emitWarning(m);

/**
 * Compose middleware into one function. Composed once per change of the chain, not per message.
 *
 * @example
 *   const run = compose([async (ctx, next) => { ctx.n++; await next(); }, (ctx) => { ctx.n++; }]);
 *   await run({ n: 0 });
 */
export function compose<C>(middleware: readonly Middleware<C>[], options: ComposeOptions = {}): (ctx: C, next?: Next) => Promise<void> {
  for (const mw of middleware) if (typeof mw !== 'function') throw new TypeError('compose: every middleware must be a function');
  const chain = middleware.slice();
  const warn = options.warn === undefined ? developmentWarn : options.warn;
  return (ctx: C, last?: Next): Promise<void> => new Dispatch(chain, ctx, last, warn).run(0);
}

/**
 * One run of a composed chain. A small object with methods (not nested closures) keeps the
 * per-message allocation down: this is the hottest path of the bot.
 *
 * The development watch rests on one fact: when every `next()` is awaited, the layers settle
 * deepest first, each right after the one below it. So a layer that settles while the layer below
 * it (which it entered) has not, forgot to await. One `.then` per layer, no bookkeeping per call
 * of `next`.
 */
class Dispatch<C> {
  /** The deepest layer entered so far. */
  private index = -1;
  /** The last layer that settled (watch only). */
  private settledAt = -1;
  private warned = false;

  constructor(
    private readonly chain: readonly Middleware<C>[],
    private readonly ctx: C,
    private readonly last: Next | undefined,
    private readonly warn: Warn,
  ) {}

  run(i: number): Promise<void> {
    if (i <= this.index) return Promise.reject(new Error('next() called multiple times'));
    this.index = i;
    const fn = i === this.chain.length ? this.last : this.chain[i];
    // The caller's own `next` is the caller's to watch (a parent composer or the plugin boundary):
    // this layer counts as settled at once, so the chain's own last layer is never suspected.
    if (i === this.chain.length) this.settledAt = i;
    if (!fn) return Promise.resolve();
    try {
      const out = Promise.resolve(fn(this.ctx, this.run.bind(this, i + 1))) as Promise<void>;
      if (!this.warn || i === this.chain.length) return out;
      return out.then(
        () => this.settle(i),
        (err: unknown) => {
          this.settle(i);
          throw err;
        },
      );
    } catch (err) {
      this.settledAt = i;
      return Promise.reject(err);
    }
  }

  /** Layer `i` settled: if it entered the layer below, that one must have settled just before. */
  private settle(i: number): void {
    if (this.index > i && this.settledAt !== i + 1 && this.warn && !this.warned) {
      this.warned = true;
      this.warn(`middleware #${i} resolved before downstream — missing await on next()?`);
    }
    this.settledAt = i;
  }
}
