// Login and logout system events go to a wechatbot-webhook endpoint once per session: a logout only
// after a login, never twice in a row, also across a restart (the outbox remembers the last one).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../../src/store/index.js';
import { silentLogger } from '../../../src/logger.js';
import { createWebhookService, type WebhookService } from '../../../src/webhook/index.js';
import { createCallbackFormat, CALLBACK_FORMAT } from '../../../src/compat/wechatbot-webhook/callback-format.js';
import type { BotEvent } from '../../../src/bot/types.js';

function service(store: Store): WebhookService {
  const format = createCallbackFormat({
    accounts: () => ({ list: () => [], get: () => undefined }),
    db: store.db,
    source: { port: () => 3001 },
    settings: { allowPrivate: false, waitMs: 100 },
    allowPrivateUrls: false,
    log: silentLogger(),
  });
  return createWebhookService({ db: store.db, box: store.box, log: silentLogger(), sendReply: async () => {}, formats: { [CALLBACK_FORMAT]: format } });
}

const event = (type: 'account.login' | 'account.logout', account = 'a1'): BotEvent => ({ type, account, at: Date.now(), data: {} });

describe('wechatbot-webhook login/logout once per session', () => {
  it('drops a logout without a login before it, and a second logout for the same session, across a restart', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'w-compat-sess-'));
    let store = openStore({ dataDir });
    let wh = service(store);
    const { endpoint } = wh.createEndpoint({ url: 'http://127.0.0.1:9/recvd', format: CALLBACK_FORMAT });
    const standard = wh.createEndpoint({ url: 'http://127.0.0.1:9/standard' }).endpoint;
    const kinds = (id: string) =>
      wh
        .listDeliveries({ endpointId: id, limit: 100 })
        .items.map((d) => d.eventType)
        .reverse();

    wh.eventWriter(event('account.logout'));
    wh.eventWriter(event('account.login'));
    wh.eventWriter(event('account.logout'));
    wh.eventWriter(event('account.logout'));
    wh.eventWriter(event('account.login', 'a2'));
    assert.deepEqual(kinds(endpoint.id), ['account.login', 'account.logout', 'account.login']);
    // Standard Webhooks endpoints get every event.
    assert.equal(kinds(standard.id).length, 5);

    wh.eventWriter(event('account.login'));
    store.close();
    store = openStore({ dataDir });
    wh = service(store);
    wh.eventWriter(event('account.logout'));
    wh.eventWriter(event('account.logout'));
    assert.deepEqual(kinds(endpoint.id), ['account.login', 'account.logout', 'account.login', 'account.login', 'account.logout']);
    store.close();
  });

  it('carries only what the original posted: no room events, recalls or state changes', () => {
    const store = openStore({ dataDir: mkdtempSync(join(tmpdir(), 'w-compat-sess-')) });
    const wh = service(store);
    const { endpoint } = wh.createEndpoint({ url: 'http://127.0.0.1:9/recvd', format: CALLBACK_FORMAT });
    for (const type of ['room.join', 'room.leave', 'room.topic', 'message.recalled', 'friend.added', 'message.sent'] as const) {
      wh.eventWriter({ type, account: 'a1', at: Date.now(), data: { id: 'x' } });
    }
    wh.eventWriter({ type: 'message.received', account: 'a1', chatId: '@c', at: Date.now(), data: { id: 'm1', text: 'hi' } });
    assert.deepEqual(
      wh.listDeliveries({ endpointId: endpoint.id }).items.map((d) => d.eventType),
      ['message.received'],
    );
    store.close();
  });
});
