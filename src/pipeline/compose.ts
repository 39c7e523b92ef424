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
  return function composed(ctx: C, last?: Next): Promise<void> {
    let index = -1;
    function dispatch(i: number): Promise<void> {
      if (i <= index) return Promise.reject(new Error('next() called multiple times'));
      index = i;
      const fn = i === chain.length ? last : chain[i];
      if (!fn) return Promise.resolve();
      let downstream: Promise<void> | undefined;
      let downstreamDone = false;
      const next: Next = () => {
        downstream = dispatch(i + 1);
        downstream.then(
          () => (downstreamDone = true),
          () => (downstreamDone = true),
        );
        return downstream;
      };
      try {
        const out = fn(ctx, next);
        if (!warn) return Promise.resolve(out).then(() => undefined);
        return Promise.resolve(out).then(() => {
          // Two microtask hops let an awaited downstream settle its flag first.
          if (downstream && !downstreamDone) {
            return Promise.resolve().then(() => {
              if (!downstreamDone) warn(`middleware #${i} resolved before downstream — missing await on next()?`);
            });
          }
          return undefined;
        });
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return dispatch(0);
  };
}
