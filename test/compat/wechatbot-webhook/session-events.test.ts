// Login and logout system events go to a wechatbot-webhook endpoint once per session: a logout only
// after a login, never twice in a row, also across a restart (the outbox remembers the last one).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../../src/store/index.js';
import { openTestStore } from '../../helpers/store.js';
import { silentLogger } from '../../../src/logger.js';
import { createWebhookService, type WebhookService } from '../../../src/webhook/index.js';
import { createCallbackFormat, CALLBACK_FORMAT } from '../../../src/compat/wechatbot-webhook/callback-format.js';
import type { BotEvent } from '../../../src/bot/types.js';

function service(store: Store): Promise<WebhookService> {
  const format = createCallbackFormat({
    accounts: () => ({ list: () => [], get: () => undefined }),
    source: { port: () => 3001 },
    settings: { allowPrivate: false, waitMs: 100 },
    allowPrivateUrls: false,
    log: silentLogger(),
  });
  return createWebhookService({ store, log: silentLogger(), sendReply: async () => {}, formats: { [CALLBACK_FORMAT]: format } });
}

const event = (type: 'account.login' | 'account.logout', account = 'a1'): BotEvent => ({ type, account, at: Date.now(), data: {} });

/** Journal one event as the bot does: the writer runs inside a store transaction. */
const write = (store: Store, wh: WebhookService, e: BotEvent): Promise<void> => store.transaction((tx) => wh.eventWriter(e, tx));

describe('wechatbot-webhook login/logout once per session', () => {
  it('drops a logout without a login before it, and a second logout for the same session, across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'w-compat-sess-'));
    let store = await openTestStore({ dataDir });
    let wh = await service(store);
    const { endpoint } = await wh.createEndpoint({ url: 'http://127.0.0.1:9/recvd', format: CALLBACK_FORMAT });
    const standard = (await wh.createEndpoint({ url: 'http://127.0.0.1:9/standard' })).endpoint;
    const kinds = async (id: string) => (await wh.listDeliveries({ endpointId: id, limit: 100 })).items.map((d) => d.eventType).reverse();

    await write(store, wh, event('account.logout'));
    await write(store, wh, event('account.login'));
    await write(store, wh, event('account.logout'));
    await write(store, wh, event('account.logout'));
    await write(store, wh, event('account.login', 'a2'));
    assert.deepEqual(await kinds(endpoint.id), ['account.login', 'account.logout', 'account.login']);
    // Standard Webhooks endpoints get every event.
    assert.equal((await kinds(standard.id)).length, 5);

    await write(store, wh, event('account.login'));
    store.close();
    store = await openTestStore({ dataDir });
    wh = await service(store);
    await write(store, wh, event('account.logout'));
    await write(store, wh, event('account.logout'));
    assert.deepEqual(await kinds(endpoint.id), ['account.login', 'account.logout', 'account.login', 'account.login', 'account.logout']);
    store.close();
  });

  it('carries only what the original posted: no room events, recalls or state changes', async () => {
    const store = await openTestStore({ dataDir: mkdtempSync(join(tmpdir(), 'w-compat-sess-')) });
    const wh = await service(store);
    const { endpoint } = await wh.createEndpoint({ url: 'http://127.0.0.1:9/recvd', format: CALLBACK_FORMAT });
    for (const type of ['room.join', 'room.leave', 'room.topic', 'message.recalled', 'friend.added', 'message.sent'] as const) {
      await write(store, wh, { type, account: 'a1', at: Date.now(), data: { id: 'x' } });
    }
    await write(store, wh, { type: 'message.received', account: 'a1', chatId: '@c', at: Date.now(), data: { id: 'm1', text: 'hi' } });
    assert.deepEqual(
      (await wh.listDeliveries({ endpointId: endpoint.id })).items.map((d) => d.eventType),
      ['message.received'],
    );
    store.close();
  });
});
