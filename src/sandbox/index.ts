/**
 * The sandbox: a local WeChat web-protocol server (any host family on one listener, optional
 * HTTPS with the real host names) plus its control API and phone page.
 *
 * @example
 *   const sb = await startSandbox({ holdMs: 500, autoScanMs: 10, autoConfirmMs: 10 });
 *   // point the client at sb.origin (WECHAT_ENDPOINT), then:
 *   await sb.control.sendMessage({ from: 'Alice Smith', text: 'hi' });
 *   await sb.close();
 */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../logger.js';
import { SandboxControl } from './control-client.js';
import { resolveOptions, type SandboxOptions } from './options.js';
import { createSandboxApp } from './server.js';
import { SandboxState } from './state.js';
import { ensureTlsMaterial } from './tls.js';
import { IlinkControl } from './ilink/control-client.js';
import { resolveIlinkOptions, type IlinkOptions } from './ilink/options.js';
import { IlinkState } from './ilink/state.js';

export type { SandboxOptions } from './options.js';
export { SandboxControl } from './control-client.js';
export { IlinkControl } from './ilink/control-client.js';
export type { IlinkOptions } from './ilink/options.js';

export interface StartOptions extends SandboxOptions {
  /** Listen address, default 127.0.0.1. */
  host?: string;
  /** HTTP port, default 0 (any free port). */
  port?: number;
  /** Also serve HTTPS with certificates for the real host names on this port (0 = any). */
  tlsPort?: number;
  /** Where the test CA and key are kept (default: a temp directory). */
  tlsDir?: string;
  logger?: Logger;
  /** The iLink sandbox's options and [uncertain] switches (docs/sandbox.md). */
  ilink?: IlinkOptions;
}

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:41234 — usable as WECHAT_ENDPOINT. */
  origin: string;
  tlsPort?: number;
  /** PEM of the generated test CA (TLS mode). */
  caCertPath?: string;
  control: SandboxControl;
  /** The live state (tests may inspect it). */
  state: SandboxState;
  /** The iLink sandbox on the same origin: its control client and live state. */
  ilink: { control: IlinkControl; state: IlinkState };
  /** Closes every socket and timer; held long polls are answered first. */
  close(): Promise<void>;
}

function listen(server: Server | HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Start a sandbox. Resolves once it listens.
 *
 * @example
 *   const sb = await startSandbox({ contacts: 200, rooms: 20 });
 */
export async function startSandbox(options: StartOptions = {}): Promise<RunningSandbox> {
  const opts = resolveOptions(options);
  const log = options.logger ?? silentLogger();
  const st = new SandboxState(opts, options.clock);
  const ilink = new IlinkState(resolveIlinkOptions(options.ilink), st, options.clock, opts.seed);
  const host = options.host ?? '127.0.0.1';
  const app = createSandboxApp(st, log, { ilink, host });
  const handler = app.callback();
  const http = createServer(handler);
  // Long polls hold for holdMs; keep Node's own timeouts out of their way.
  http.requestTimeout = 0;
  http.headersTimeout = 60_000;
  http.keepAliveTimeout = 5_000;
  const port = await listen(http, options.port ?? 0, host);
  const servers: (Server | HttpsServer)[] = [http];
  let tlsPort: number | undefined;
  let caCertPath: string | undefined;
  if (options.tlsPort !== undefined) {
    const tls = await ensureTlsMaterial(options.tlsDir);
    // cdnTls rsa-legacy: only TLS 1.2 RSA suites, like the real CDN (ilink.md §7.3, §9.42).
    const legacy =
      ilink.opts.cdnTls === 'rsa-legacy' ? { maxVersion: 'TLSv1.2' as const, ciphers: 'AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA' } : {};
    const https = createHttpsServer({ key: tls.key, cert: tls.cert, ...legacy }, handler);
    https.requestTimeout = 0;
    tlsPort = await listen(https, options.tlsPort, host);
    caCertPath = tls.caCertPath;
    servers.push(https);
  }
  const sweeper = opts.idleExpiryMs !== undefined ? setInterval(() => sweepIdle(st), Math.min(opts.idleExpiryMs, 60_000)) : undefined;
  sweeper?.unref();
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const origin = `http://${shownHost}:${port}`;
  ilink.origin = origin;
  let closing: Promise<void> | undefined;
  return {
    origin,
    ...(tlsPort !== undefined ? { tlsPort } : {}),
    ...(caCertPath !== undefined ? { caCertPath } : {}),
    control: new SandboxControl(origin),
    state: st,
    ilink: { control: new IlinkControl(origin), state: ilink },
    close() {
      closing ??= (async () => {
        if (sweeper) clearInterval(sweeper);
        st.shutdown();
        ilink.shutdown();
        // Let answered long polls flush before the sockets go.
        await new Promise((r) => setImmediate(r));
        await Promise.all(
          servers.map(
            (s) =>
              new Promise<void>((resolve) => {
                s.close(() => resolve());
                s.closeIdleConnections();
                setTimeout(() => s.closeAllConnections(), 50).unref();
              }),
          ),
        );
      })();
      return closing;
    },
  };
}

function sweepIdle(st: SandboxState): void {
  const idle = st.opts.idleExpiryMs;
  if (idle === undefined) return;
  const now = st.now();
  for (const s of [...st.sessions.values()]) if (!s.hasWaiter && now - s.lastSeen > idle) st.endSession(s, 1101);
}
