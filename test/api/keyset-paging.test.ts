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

  /** Follow a panel list's "older" links from `path`, collecting the ids `row` finds on each page (each must be new). */
  async function walkPanel(path: string, row: RegExp): Promise<{ seen: Set<string>; pages: number }> {
    const c = new Client(stack.url);
    await c.get('/login');
    assert.equal((await c.post('/login', { username: 'admin', password: 'paging password 1' })).status, 302);
    const seen = new Set<string>();
    let pages = 0;
    for (let next: string | undefined = path; next; pages++) {
      const page = await c.get(next);
      assert.equal(page.status, 200);
      for (const [, id] of page.text.matchAll(row)) {
        assert.ok(!seen.has(id!), `${id} repeated`);
        seen.add(id!);
      }
      next = /<a id="older" href="([^"]+)"/.exec(page.text)?.[1]?.replaceAll('&amp;', '&');
    }
    return { seen, pages };
  }

  it("the panel's older links show every message once", async () => {
    const { seen, pages } = await walkPanel(`/accounts/${account}/messages?per=500`, /<tr class="msg[^"]*" data-id="([^"]+)"/g);
    assert.equal(seen.size, TOTAL);
    assert.equal(pages, TOTAL / 500);
  });

  it('the audit log and the webhook delivery log page on their unique ids too', async () => {
    for (let i = 0; i < 250; i++) await stack.store.audit.record({ actor: 'test', action: 'paging.check', target: `entry-${i}` });
    const audit = await walkPanel('/audit', /<td[^>]*>(entry-\d+)<\/td>/g);
    assert.equal(audit.seen.size, 250);
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${stack.url}/api/v1/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: 'http://127.0.0.1:9/hook' }) });
    const endpoint = ((await created.json()) as { id: string }).id;
    for (let i = 0; i < 120; i++) assert.equal((await fetch(`${stack.url}/api/v1/webhooks/${endpoint}/test`, { method: 'POST', headers: auth })).status, 202);
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const res = await fetch(`${stack.url}/api/v1/webhooks/${endpoint}/deliveries?limit=25${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth });
      const body = (await res.json()) as { items: { id: number }[]; next?: string };
      for (const d of body.items) {
        assert.ok(!seen.has(String(d.id)), `delivery ${d.id} repeated`);
        seen.add(String(d.id));
      }
      cursor = body.next;
    } while (cursor);
    assert.equal(seen.size, 120);
  });
});
