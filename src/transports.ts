/**
 * The transport of each account, by its kind: the web protocol (WECHAT_ENDPOINT, WECHAT_DESKTOP) or
 * iLink (ILINK_BASE_URL, ILINK_CDN_URL), each with its own logger. iLink remembers handled inbound
 * messages in the store, so a restart never answers one twice. iLink's code is imported by `load`
 * before its first account is made: a process of web accounts never carries it. Used only by
 * main.ts (the wiring).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './util/paths.js';
import { printTerminalQr } from './util/terminal-qr.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Store } from './store/index.js';
import type { Transport } from './transport/transport.js';
import type { TransportKind } from './transport/capabilities.js';
import { createWebTransport } from './protocol/index.js';
import type * as Ilink from './ilink/index.js';
import { qrCaption } from './start-banner.js';

/** weiroto's version (iLink sends it as `channel_version`). */
export const WEIROTO_VERSION: string = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;

export interface TransportFactoryOptions {
  config: Pick<Config, 'wechatEndpoint' | 'wechatDesktop' | 'ilink' | 'ilinkErrorPauseMs'>;
  store: Pick<Store, 'seenKeys'>;
  log: Logger;
  /** Print the QR on the terminal (`weiroto start` on a TTY), with a caption saying what to do. */
  printQr: boolean;
  /** The panel's address once it listens (for the caption's link to the login page). */
  panelUrl?: () => string | undefined;
}

export interface Transports {
  /** A fresh transport of the account's kind (iLink only after `load('ilink')`). */
  create(accountId: string, kind: TransportKind): Transport;
  /** Import the code of a kind (once; the web protocol is always there). */
  load(kind: TransportKind): Promise<void>;
}

/**
 * @example const transports = transportFactory({ config, store, log, printQr: false }); await transports.load('ilink'); transports.create('a1', 'ilink');
 */
export function transportFactory(o: TransportFactoryOptions): Transports {
  let ilink: typeof Ilink | undefined;
  const create = (accountId: string, kind: TransportKind): Transport => {
    if (kind === 'ilink') {
      if (!ilink) throw new Error("the iLink transport's code is not loaded: await load('ilink') before its first account is made");
      const t = ilink.createIlinkTransport({
        baseUrl: o.config.ilink.baseUrl,
        cdnUrl: o.config.ilink.cdnUrl,
        version: WEIROTO_VERSION,
        seen: o.store.seenKeys(accountId),
        log: o.log.child({ account: accountId }),
        tuning: { errorPauseMs: o.config.ilinkErrorPauseMs },
      });
      // The iLink QR is a link the owner opens in WeChat (≥ 8.0.69): shown like the web QR.
      if (o.printQr) t.on('qr', (qr) => printTerminalQr(qr.text));
      captionQr(t, accountId, 'ilink');
      return t;
    }
    const t = createWebTransport({
      ...(o.config.wechatEndpoint && { endpoint: o.config.wechatEndpoint }),
      ...(o.config.wechatDesktop && { desktop: true }),
      log: o.log.child({ ns: 'protocol', account: accountId }),
      printQr: o.printQr,
    });
    captionQr(t, accountId, 'web');
    return t;
  };

  // The web transport prints its QR before it announces it, so the caption lands just below.
  function captionQr(t: Transport, accountId: string, kind: TransportKind): void {
    if (!o.printQr) return;
    t.on('qr', () => {
      const panel = o.panelUrl?.();
      process.stdout.write(qrCaption(kind, panel && `${panel}/accounts/${encodeURIComponent(accountId)}/login`));
    });
  }

  return {
    create,
    load: async (kind) => {
      if (kind === 'ilink') ilink ??= await import('./ilink/index.js');
    },
  };
}
