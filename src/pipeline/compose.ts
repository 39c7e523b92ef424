/**
 * Koa-style middleware composition (koa-compose semantics): each middleware gets `(ctx, next)`,
 * `next()` runs the rest of the chain once, and the whole chain is one promise.
 */

export type Next = () => Promise<void>;
export type Middleware<C> = (ctx: C, next: Next) => Promise<unknown> | unknown;

export interface ComposeOptions {
  /**
   * Warn when a middleware's promise settles while the downstream chain it started is still
   * running — almost always a `next()` without `await`. Default: on unless NODE_ENV=production.
   */
  warn?: ((message: string) => void) | false;
}

const defaultWarn = process.env.NODE_ENV === 'production' ? false : (m: string): void => void process.emitWarning(m);

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
  const warn = options.warn === undefined ? defaultWarn : options.warn;
  return (ctx: C, last?: Next): Promise<void> => new Dispatch(chain, ctx, last, warn).run(0);
}

/**
 * One run of a composed chain. A small object with methods (not nested closures) keeps the
 * per-message allocation down: this is the hottest path of the bot.
 */
class Dispatch<C> {
  private index = -1;

  constructor(
    private readonly chain: readonly Middleware<C>[],
    private readonly ctx: C,
    private readonly last: Next | undefined,
    private readonly warn: ((message: string) => void) | false,
  ) {}

  run(i: number): Promise<void> {
    if (i <= this.index) return Promise.reject(new Error('next() called multiple times'));
    this.index = i;
    const fn = i === this.chain.length ? this.last : this.chain[i];
    if (!fn) return Promise.resolve();
    try {
      if (!this.warn) return Promise.resolve(fn(this.ctx, this.run.bind(this, i + 1))) as Promise<void>;
      return this.watched(fn, i, this.warn);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Development mode: notice a middleware that settles while the downstream it started still runs. */
  private watched(fn: Middleware<C>, i: number, warn: (message: string) => void): Promise<void> {
    let downstream: Promise<void> | undefined;
    let downstreamDone = false;
    const out = fn(this.ctx, () => {
      downstream = this.run(i + 1);
      downstream.then(
        () => (downstreamDone = true),
        () => (downstreamDone = true),
      );
      return downstream;
    });
    return Promise.resolve(out).then(() => {
      // One more hop lets an awaited downstream settle its flag first.
      if (downstream && !downstreamDone) {
        return Promise.resolve().then(() => {
          if (!downstreamDone) warn(`middleware #${i} resolved before downstream — missing await on next()?`);
        });
      }
      return undefined;
    });
  }
}
