/**
 * A tiny EJS renderer with a layout: `render(view, data)` renders `views/<view>.ejs`, then
 * `views/layout.ejs` with the result as `body`. Templates escape with `<%= %>`; only the layout's
 * body and includes use `<%-`. Compiled templates are cached per renderer (per app instance).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ejs from 'ejs';

export type RenderFn = (view: string, data: Record<string, unknown>) => string;

/**
 * @example
 *   const render = createRenderer(join(packageRoot(), 'views'));
 *   ctx.body = render('accounts', { ...ctx.state, accounts });
 */
export function createRenderer(viewsDir: string, options: { cache?: boolean } = {}): RenderFn {
  const cache = new Map<string, ejs.TemplateFunction>();
  const compiled = (view: string): ejs.TemplateFunction => {
    if (!/^[a-z0-9/-]+$/.test(view)) throw new Error(`bad view name ${view}`);
    let fn = options.cache === false ? undefined : cache.get(view);
    if (!fn) {
      const filename = join(viewsDir, `${view}.ejs`);
      fn = ejs.compile(readFileSync(filename, 'utf8'), { filename, strict: false, rmWhitespace: false });
      if (options.cache !== false) cache.set(view, fn);
    }
    return fn;
  };
  return (view, data) => {
    const body = compiled(view)(data) as string;
    if (data.bare) return body;
    return compiled('layout')({ ...data, body }) as string;
  };
}
