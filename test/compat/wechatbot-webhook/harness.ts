/**
 * weiroto as `weiroto start` wires it (src/main.ts), configured like a wechatbot-webhook compose
 * file (COMPAT_WECHATBOT_WEBHOOK_PORT, LOGIN_API_TOKEN, RECVD_MSG_API …), against the sandbox,
 * logged in; plus a local file server for `fileUrl` sends.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { startServer, type RunningServer } from '../../../src/main.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import type { Bot } from '../../../src/bot/index.js';
import { listen } from '../../../src/http/listen.js';
import { createCompatApp } from '../../../src/compat/wechatbot-webhook/listener.js';
import type { CompatAccounts } from '../../../src/compat/wechatbot-webhook/bot-port.js';
import { waitFor } from '../../../src/testing/wait.js';
import { withStoreEnv } from '../../helpers/store.js';

export const TOKEN = 'compat-token-123';

/** `waitFor` with the name first, as the compat tests' calls read. */
export const until = <T>(what: string, read: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> => waitFor(read, ms, what);

/** Serves `/files/<name>` with a PNG-ish body (any path) and counts requests. */
export async function startFileServer(): Promise<{ origin: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url?.startsWith('/missing')) return void res.writeHead(404).end('no');
    const type = req.url?.includes('.txt') ? 'text/plain' : req.url?.includes('noext') ? 'image/png' : 'image/png';
    res.writeHead(200, { 'content-type': type }).end(Buffer.from('\x89PNG\r\n\x1a\nfake image bytes'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    hits,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface CompatHarness {
  sb: RunningSandbox;
  server: RunningServer;
  /** The compat listener's origin. */
  origin: string;
  bot: Bot;
  close(): Promise<void>;
}

/** `o.sandbox` reuses a running sandbox (a restart of weiroto); `close()` then leaves it running. */
export async function startCompatHarness(env: Record<string, string> = {}, o: { dataDir?: string; sandbox?: RunningSandbox } = {}): Promise<CompatHarness> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'w-compat-'));
  const sb = o.sandbox ?? (await startSandbox({ holdMs: 300, contacts: 10, rooms: 2, roomSize: 4, rateLimits: false, autoScanMs: 20, autoConfirmMs: 20 }));
  const config = loadConfig(
    await withStoreEnv({
      PORT: '0',
      DATA_DIR: dataDir,
      BOT_PLUGINS: '',
      SEND_PACING: 'off',
      WECHAT_ENDPOINT: sb.origin,
      API_ALLOW_PRIVATE_URLS: 'true',
      COMPAT_WECHATBOT_WEBHOOK_PORT: '0',
      LOGIN_API_TOKEN: TOKEN,
      ...env,
    }),
    { envFile: false },
  );
  const server = await startServer({ config, log: silentLogger() });
  const bot = await until('the account online', () => {
    const info = server.manager.list()[0];
    const b = info && server.manager.get(info.id);
    return b && b.info().state === 'online' && b.directory.rooms().length > 0 ? b : undefined;
  });
  return {
    sb,
    server,
    origin: server.compatUrl!,
    bot,
    close: async () => {
      await server.close();
      if (!o.sandbox) await sb.close();
    },
  };
}

/** The compat listener alone over an AccountManager (no main.ts), with a `post` that sends JSON or a form. */
export async function compatListener(
  accounts: CompatAccounts,
  waitMs: number,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
): Promise<{ url: string; post(path: string, body: unknown): Promise<{ status: number; json: any }>; close(): Promise<void> }> {
  const http = await listen(
    createCompatApp({
      accounts,
      tokens: { token: TOKEN, verifyApiToken: async () => undefined },
      settings: { allowPrivate: true, waitMs },
      log: silentLogger(),
    }),
    '127.0.0.1',
    0,
  );
  return {
    url: http.url,
    post: async (path, body) => {
      const res = await fetch(`${http.url}${path}?token=${TOKEN}`, {
        method: 'POST',
        ...(body instanceof FormData ? { body } : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      return { status: res.status, json: await res.json() };
    },
    close: () => http.close(),
  };
}
