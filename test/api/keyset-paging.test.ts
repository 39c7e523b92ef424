/**
 * Paging never loses or repeats a message: 100,000 stored messages, 2,500 sharing each second (the
 * web protocol's timestamps are whole seconds), walked through the API's cursor and through the
 * panel's "older" links (500 a page) of the server `weiroto start` builds. Each message must be seen exactly once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startServerStack, type ServerStack } from '../admin/helpers/panel-stack.js';
import type { Message } from '../../src/transport/model.js';

const TOTAL = 100_000;
const PER_SECOND = 2_500;
const TOKEN = 'paging-test-token-0123456789';

describe('keyset paging over 100,000 messages with equal timestamps', () => {
  let stack: ServerStack;
  let account = '';

  before(async () => {
    stack = await startServerStack({ env: { API_TOKEN: TOKEN, API_RATE_BURST: '100000', ADMIN_PASSWORD: 'paging password 1' } });
    account = (await stack.store.accounts.create({ name: 'pages' })).id;
    await stack.manager.refresh(); // written beside the manager: make it known
    const start = Date.UTC(2026, 0, 1);
    await stack.store.transaction(async (tx) => {
      for (let i = 0; i < TOTAL; i++) {
        const chat = `@chat${i % 7}`;
        const m: Message = {
          id: `m${i}`,
          type: 'text',
          chatId: chat,
          senderId: chat,
          toId: '@self',
          isSelf: false,
          text: `message ${i}`,
          mentionsSelf: false,
          mentions: [],
          createdAt: start + Math.floor(i / PER_SECOND) * 1000,
        };
        await tx.messages.insert(account, m);
      }
    });
  });

  after(() => stack.close());

  it('the API cursor walk returns every message once, newest first', async () => {
    const seen = new Set<string>();
    let last = Infinity;
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await fetch(`${stack.url}/api/v1/accounts/${account}/messages?limit=200${cursor ? `&cursor=${cursor}` : ''}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { items: { id: string; createdAt: number }[]; next?: string };
      for (const m of body.items) {
        assert.ok(!seen.has(m.id), `${m.id} repeated`);
        assert.ok(m.createdAt <= last, 'newest first');
        last = m.createdAt;
        seen.add(m.id);
      }
      cursor = body.next;
      pages++;
    } while (cursor);
    assert.equal(seen.size, TOTAL);
    assert.equal(pages, TOTAL / 200);
  });

  it("the panel's older links show every message once", async () => {
    const c = new Client(stack.url);
    await c.get('/login');
    assert.equal((await c.post('/login', { username: 'admin', password: 'paging password 1' })).status, 302);
    const seen = new Set<string>();
    let path: string | undefined = `/accounts/${account}/messages?per=500`;
    let pages = 0;
    while (path) {
      const page = await c.get(path);
      assert.equal(page.status, 200);
      for (const [, id] of page.text.matchAll(/<tr class="msg[^"]*" data-id="([^"]+)"/g)) {
        assert.ok(!seen.has(id!), `${id} repeated`);
        seen.add(id!);
      }
      path = /<a id="older" href="([^"]+)"/.exec(page.text)?.[1]?.replaceAll('&amp;', '&');
      pages++;
    }
    assert.equal(seen.size, TOTAL);
    assert.equal(pages, TOTAL / 500);
  });
});
