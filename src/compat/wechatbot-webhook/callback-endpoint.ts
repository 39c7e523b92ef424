/**
 * RECVD_MSG_API: make sure one endpoint in the wechatbot-webhook format exists for that URL, bound
 * to the listener's account, carrying what the original carried (own messages too with
 * ACCEPT_RECVD_MSG_MYSELF). It is an ordinary endpoint afterwards: visible, filterable and
 * re-deliverable in the panel.
 */
import type { WebhookEndpoint } from '../../webhook/records.js';
import type { WebhookService } from '../../webhook/service.js';
import { CALLBACK_EVENT_TYPES, CALLBACK_FORMAT } from './format-name.js';

export interface CallbackEndpointOptions {
  url: string;
  /** The bound account; undefined = every account (there is none yet: the first one is about to be created). */
  accountId: string | undefined;
  acceptSelf: boolean;
}

export async function ensureCallbackEndpoint(
  webhooks: Pick<WebhookService, 'listEndpoints' | 'createEndpoint' | 'updateEndpoint'>,
  o: CallbackEndpointOptions,
): Promise<WebhookEndpoint> {
  const wanted = {
    eventTypes: [...CALLBACK_EVENT_TYPES],
    accounts: o.accountId ? [o.accountId] : [],
    includeSelf: o.acceptSelf,
    enabled: true,
    format: CALLBACK_FORMAT,
  };
  const existing = (await webhooks.listEndpoints()).find((e) => e.url === o.url && e.format === CALLBACK_FORMAT);
  if (existing) return webhooks.updateEndpoint(existing.id, wanted);
  return (await webhooks.createEndpoint({ url: o.url, description: 'from RECVD_MSG_API (wechatbot-webhook callback)', ...wanted }, { source: 'config' }))
    .endpoint;
}
