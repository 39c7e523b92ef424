/**
 * The only place that wires concrete parts together: store, accounts, plugins, webhooks, API,
 * admin panel and (for the demo) the sandbox. `startServer` returns a handle whose `close()` stops
 * everything in order: loops first, then in-flight sends, then sessions and the database.
 */
import Koa from 'koa';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { openStore, type Store } from './store/index.js';
import { listen, type Listening } from './http/listen.js';
import { opsMiddleware, type ReadinessCheck } from './http/ops.js';

export interface RunningServer {
  url: string;
  store: Store;
  /** Stop everything; safe to call twice. */
  close(): Promise<void>;
}

export interface ServerOptions {
  config: Config;
  log: Logger;
}

/**
 * @example
 *   const server = await startServer({ config: loadConfig(), log: createLogger() });
 *   // … later, on SIGTERM:
 *   await server.close();
 */
export async function startServer({ config, log }: ServerOptions): Promise<RunningServer> {
  const store = openStore({ dataDir: config.dataDir, secretKey: config.secretKey });
  const closers: (() => Promise<void> | void)[] = [() => store.close()];
  let http: Listening | undefined;
  try {
    const checks: ReadinessCheck[] = [
      {
        name: 'store',
        check: () => (store.db.prepare('select 1 as ok').get() ? undefined : 'the database did not answer'),
      },
    ];
    const app = new Koa({ proxy: false });
    app.silent = true;
    app.on('error', (err: Error) => log.error({ err }, 'http error'));
    app.use(opsMiddleware(checks));
    http = await listen(app, config.host, config.port);
    closers.unshift(() => http!.close());
    log.info({ url: http.url, dataDir: config.dataDir }, `weiroto listening on ${http.url}`);
  } catch (e) {
    for (const c of closers) await c();
    throw e;
  }

  let closing: Promise<void> | undefined;
  return {
    url: http.url,
    store,
    close: () =>
      (closing ??= (async () => {
        for (const c of closers) {
          try {
            await c();
          } catch (e) {
            log.error({ err: e }, 'error while stopping');
          }
        }
      })()),
  };
}
