// A webhook endpoint row as the store's insert takes it: every filter open, enabled, standard format.
// Tests name only what they are about.
import type { WebhookEndpoint } from '../../src/webhook/index.js';

export type EndpointRow = Omit<WebhookEndpoint, 'createdAt' | 'updatedAt' | 'oldSecretUntil'>;

export function endpointRow(overrides: Partial<EndpointRow> & Pick<EndpointRow, 'id' | 'url'>): EndpointRow {
  return {
    description: '',
    eventTypes: [],
    accounts: [],
    chats: [],
    keywords: [],
    includeSelf: false,
    enabled: true,
    source: 'panel',
    format: 'standard',
    ...overrides,
  };
}
