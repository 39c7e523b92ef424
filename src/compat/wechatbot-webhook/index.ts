/**
 * A home for wechatbot-webhook users (../shared/wechatbot-webhook.md): its HTTP API on its own port
 * and its multipart callback as a webhook format. `main.ts` wires both.
 */
import type { CompatConfig } from '../../config.js';
import type { Logger } from '../../logger.js';
import { listen, type Listening } from '../../http/listen.js';
import type { EventLog } from '../../webhook/event-log.js';
import type { DeliveryFormat } from '../../webhook/format.js';
import type { WebhookService } from '../../webhook/service.js';
import type { TokenCheck } from './auth.js';
import type { CompatAccounts } from './bot-port.js';

import { CALLBACK_RETRY_ANSWERED } from './format-name.js';

export { CALLBACK_FORMAT, CALLBACK_EVENT_TYPES } from './format-name.js';
export type { CompatAccounts, CompatBot } from './bot-port.js';

/** How long a send is waited for before the answer lists it as pending. */
export const SEND_WAIT_MS = 60_000;

export interface CompatDeps {
  /** Undefined when the listener is off (the callback format still works for endpoints that ask for it). */
  config: CompatConfig | undefined;
  accounts: () => CompatAccounts;
  allowPrivateUrls: boolean;
  log: Logger;
  sendWaitMs?: number;
}

export interface CompatStartDeps {
  host: string;
  webhooks: Pick<WebhookService, 'listEndpoints' | 'createEndpoint' | 'updateEndpoint'>;
  tokens: TokenCheck['verifyApiToken'];
  /** Clears a saved session (DISABLE_AUTO_LOGIN). */
  clearSession(accountId: string): void | Promise<void>;
  events?: EventLog;
}

export interface WechatbotWebhookCompat {
  /** The callback format, for the webhook service. */
  format: DeliveryFormat;
  /**
   * Before the accounts start: the callback endpoint (RECVD_MSG_API) and DISABLE_AUTO_LOGIN; then the
   * listener on COMPAT_WECHATBOT_WEBHOOK_PORT.
   */
  start(d: CompatStartDeps): Promise<Listening>;
}

/**
 * @example
 *   const compat = createWechatbotWebhookCompat({ config: config.compat, accounts: () => manager, allowPrivateUrls, log });
 *   createWebhookService({ ..., formats: { [CALLBACK_FORMAT]: compat.format } });
 *   if (config.compat) closers.push((await compat.start({ host, webhooks, tokens: tokens.verify, clearSession, events })).close);
 */
export function createWechatbotWebhookCompat(deps: CompatDeps): WechatbotWebhookCompat {
  const log = deps.log.child({ ns: 'compat:wechatbot-webhook' });
  // Avatar links in callbacks point at the listener's /resouces: its port, once it listens.
  let port = deps.config?.port || 3001;
  const settings = { allowPrivate: deps.allowPrivateUrls, waitMs: deps.sendWaitMs ?? SEND_WAIT_MS };
  // The format's code is imported when an endpoint of this format first meets an event.
  let loaded: Promise<DeliveryFormat> | undefined;
  const real = (): Promise<DeliveryFormat> =>
    (loaded ??= import('./callback-format.js').then(({ createCallbackFormat }) =>
      createCallbackFormat({
        accounts: deps.accounts,
        source: { port: () => port, ...(deps.config?.legacySource && { legacyEmptySide: true }) },
        settings,
        allowPrivateUrls: deps.allowPrivateUrls,
        log,
      }),
    ));
  const format: DeliveryFormat = {
    retryAnswered: CALLBACK_RETRY_ANSWERED,
    accepts: async (e, ep, outbox) => (await real()).accepts(e, ep, outbox),
    build: async (delivery, ep) => (await real()).build(delivery, ep),
    onAnswer: async (delivery, ep, answer) => (await real()).onAnswer(delivery, ep, answer),
  };
  return {
    format,
    start: async (d) => {
      const [{ boundAccount, createCompatApp }, { ensureCallbackEndpoint }] = await Promise.all([import('./listener.js'), import('./callback-endpoint.js')]);
      const config = deps.config;
      if (!config) throw new Error('the wechatbot-webhook listener is off (COMPAT_WECHATBOT_WEBHOOK_PORT is not set)');
      const accounts = deps.accounts();
      const bound = boundAccount(accounts, config.account);
      if (config.account && !bound) log.warn({ account: config.account }, 'COMPAT_WECHATBOT_WEBHOOK_ACCOUNT names no account; the first account is used');
      if (config.callbackUrl !== undefined) {
        if (/^https?:\/\//.test(config.callbackUrl)) {
          const ep = await ensureCallbackEndpoint(d.webhooks, { url: config.callbackUrl, accountId: bound?.id, acceptSelf: config.acceptSelf });
          log.info({ endpoint: ep.id }, 'RECVD_MSG_API: wechatbot-webhook callback endpoint ready');
        } else log.error({ value: config.callbackUrl }, 'RECVD_MSG_API does not start with http: no callback will be sent');
      }
      if (config.disableAutoLogin && bound) await d.clearSession(bound.id);
      if (!config.token) log.warn('LOGIN_API_TOKEN is not set: the wechatbot-webhook listener accepts weiroto API tokens only');
      const app = createCompatApp({
        accounts,
        account: config.account,
        tokens: { token: config.token, verifyApiToken: d.tokens },
        settings,
        ...(d.events && { events: d.events }),
        log: deps.log,
      });
      const listening = await listen(app, d.host, config.port);
      port = Number(new URL(listening.url).port) || port;
      log.info({ url: listening.url, account: bound?.id }, `wechatbot-webhook compatible API on ${listening.url}`);
      return listening;
    },
  };
}
