/**
 * Routing helpers, each a thin layer over `filter` (style.md §5): `on(type)`, `hears`, `command`,
 * `private`, `group`, `filter`, `fork`. A Composer is itself middleware (`middleware()`), so
 * plugins build one and hand it to `api.use(composer)`.
 */
import type { MessageType } from '../transport/model.js';
import { compose, type Middleware, type Next } from './compose.js';
import type { Context } from './context.js';
import { HOST } from './context-host.js';

export type Predicate<C extends Context = Context> = (ctx: C) => boolean;

/** What `hears(trigger)` puts on `ctx.match`: the string itself, or the RegExp's match. */
export type HearsMatch<T extends string | RegExp> = T extends string ? string : RegExpMatchArray;

/** A context after `hears`/`command`: `ctx.match` is set (no `!` needed). */
export type Matched<C extends Context, M> = C & { match: M };

/** A context after `on(type)`: `ctx.type` is one of the types asked for. */
export type OfType<C extends Context, T extends MessageType> = C & { readonly type: T };

/**
 * Whether `use` was handed a Composer rather than a middleware function. Not `instanceof`: a plugin
 * package may bring its own copy of weiroto, whose Composer is another class with the same shape.
 */
export function isComposer<C extends Context>(m: Middleware<C> | Composer<C>): m is Composer<C> {
  return typeof m === 'object' && m !== null && typeof m.middleware === 'function';
}

export class Composer<C extends Context = Context> {
  private readonly handlers: Middleware<C>[] = [];
  private composed: ((ctx: C, next?: Next) => Promise<void>) | undefined;

  constructor(...middleware: Middleware<C>[]) {
    this.handlers.push(...middleware);
  }

  /** Add middleware that runs for every message reaching this composer. */
  use(...middleware: (Middleware<C> | Composer<C>)[]): this {
    for (const m of middleware) this.handlers.push(isComposer(m) ? m.middleware() : m);
    this.composed = undefined;
    return this;
  }

  /**
   * Run `middleware` only when `predicate` holds; otherwise pass on. Returns the branch, so more
   * handlers can be chained onto it.
   *
   * @example
   *   bot.filter((ctx) => ctx.text.length > 100, (ctx) => ctx.reply('too long'));
   */
  filter<D extends C>(predicate: ((ctx: C) => ctx is D) | Predicate<C>, ...middleware: Middleware<D>[]): Composer<D> {
    const branch = new Composer<D>(...middleware);
    this.use((ctx, next) => (predicate(ctx) ? branch.middleware()(ctx as D, next) : next()));
    return branch;
  }

  /** Messages of one type ('text', 'image', 'voice', 'link' …), or any of several; `ctx.type` narrows to them. */
  on<T extends MessageType>(type: T | readonly T[], ...middleware: Middleware<OfType<C, T>>[]): Composer<OfType<C, T>> {
    const types: readonly MessageType[] = Array.isArray(type) ? type : [type];
    return this.filter((ctx): ctx is OfType<C, T> => types.includes(ctx.type), ...middleware);
  }

  /**
   * Text messages equal to a string (trimmed) or matching a RegExp; the match lands on `ctx.match`.
   *
   * @example
   *   composer.hears(/^weather (.+)$/, (ctx) => ctx.reply(`looking up ${ctx.match[1]}`));
   */
  hears<T extends string | RegExp>(trigger: T | readonly T[], ...middleware: Middleware<Matched<C, HearsMatch<T>>>[]): Composer<Matched<C, HearsMatch<T>>> {
    const triggers: readonly (string | RegExp)[] = Array.isArray(trigger) ? trigger : [trigger];
    return this.filter(
      (ctx): ctx is Matched<C, HearsMatch<T>> => {
        if (ctx.type !== 'text') return false;
        const text = ctx.text.trim();
        for (const t of triggers) {
          if (typeof t === 'string') {
            if (text === t) return ((ctx.match = t), true);
          } else {
            t.lastIndex = 0;
            const m = text.match(t);
            if (m) return ((ctx.match = m), true);
          }
        }
        return false;
      },
      ...middleware,
    );
  }

  /** `/name args…` text commands; `ctx.match` holds the arguments (trimmed). */
  command(name: string | readonly string[], ...middleware: Middleware<Matched<C, string>>[]): Composer<Matched<C, string>> {
    const names = new Set((typeof name === 'string' ? [name] : name).map((n) => n.replace(/^\//, '').toLowerCase()));
    return this.filter(
      (ctx): ctx is Matched<C, string> => {
        if (ctx.type !== 'text') return false;
        const m = /^\/([^\s@]+)(?:\s+([\s\S]*))?$/.exec(ctx.text.trim());
        if (!m || !names.has(m[1]!.toLowerCase())) return false;
        ctx.match = (m[2] ?? '').trim();
        return true;
      },
      ...middleware,
    );
  }

  /** One-to-one chats only. */
  private(...middleware: Middleware<C>[]): Composer<C> {
    return this.filter((ctx) => !ctx.isGroup, ...middleware);
  }

  /** Group chats only, or one group by id, stable id or topic. */
  group(id?: string, ...middleware: Middleware<C>[]): Composer<C> {
    return this.filter(
      (ctx) => {
        if (!ctx.isGroup) return false;
        if (id === undefined) return true;
        if (ctx.chatId === id) return true;
        const room = ctx.room;
        return room !== undefined && (room.stableId === id || room.topic === id);
      },
      ...middleware,
    );
  }

  /** Group messages that @-mention this account. */
  mention(...middleware: Middleware<C>[]): Composer<C> {
    return this.filter((ctx) => ctx.isGroup && ctx.mentionsSelf, ...middleware);
  }

  /**
   * Run `middleware` in the background and go on at once (slow work such as AI calls must not
   * stall the pipeline). Its errors still reach the plugin's error boundary.
   */
  fork(...middleware: Middleware<C>[]): this {
    const run = compose(middleware);
    return this.use((ctx, next) => {
      const plugin = ctx[HOST].plugin;
      run(ctx).catch((e: unknown) => ctx.reportError(e, plugin));
      return next();
    });
  }

  /** This composer as one middleware (composed once, recomposed after `use`). */
  middleware(): Middleware<C> {
    return (ctx, next) => {
      if (!this.composed) this.composed = compose(this.handlers);
      return this.composed(ctx, next);
    };
  }
}
