/**
 * Admin pages with 100,000 stored messages: the message log (all chats, one chat, a text search,
 * older pages, the live partial) and the dashboard must answer in under 200 ms. Real HTTP on
 * 127.0.0.1, a logged-in session, the real AccountManager (accounts not started: pages read the store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import { dayOf } from '../src/util/day.js';
import { AccountManager } from '../src/accounts/index.js';
import { PluginRegistry } from '../src/pipeline/index.js';
import { createWebTransport } from '../src/protocol/index.js';
import { silentLogger } from '../src/logger.js';
import { listen } from '../src/http/listen.js';
import { createAdminApp } from '../src/admin/index.js';
import type { Message } from '../src/transport/model.js';

const MESSAGES = 100_000;
const CHATS = 400;
const RUNS = 40;
const LIMIT_MS = 200;

const dir = mkdtempSync(join(tmpdir(), 'weiroto-bench-admin-'));
const store = openStore({ dataDir: dir });
const log = silentLogger();
const account = (await store.accounts.create({ name: 'bench' })).id;
const now = Date.now();
const words = ['price', 'hello', 'order', 'shipping', 'thanks', '你好', '多少钱', 'refund', 'tomorrow', 'photo'];
const t0 = Date.now();
await store.transaction(async (tx) => {
  for (let i = 0; i < MESSAGES; i++) {
    const chat = `@chat${i % CHATS}`;
    const m: Message = {
      id: String(1_000_000_000 + i),
      type: i % 50 === 0 ? 'image' : 'text',
      chatId: chat,
      senderId: i % 3 === 0 ? '@self' : chat,
      senderName: `Friend ${i % CHATS}`,
      toId: i % 3 === 0 ? chat : '@self',
      isSelf: i % 3 === 0,
      text: `${words[i % words.length]} message number ${i} ${words[(i * 7) % words.length]}`,
      mentionsSelf: false,
      mentions: [],
      createdAt: now - (MESSAGES - i) * 25_000,
    };
    await tx.messages.insert(account, m);
  }
  for (let d = 0; d < 30; d++) {
    const day = dayOf(now - d * 86_400_000);
    await tx.stats.add(account, day, 'received', 2000 + d);
    await tx.stats.add(account, day, 'replied', 1500 + d);
    await tx.stats.add(account, day, 'newFriends', d % 4);
    for (let c = 0; c < 50; c++) await tx.stats.touchChat(account, day, `@chat${c}`);
  }
});
const seeded = Date.now() - t0;

const registry = await PluginRegistry.load();
const manager = new AccountManager({
  store,
  log,
  pluginRegistry: registry,
  sendPacing: 'off',
  botPlugins: [],
  createTransport: () => createWebTransport({ endpoint: 'http://127.0.0.1:9' }),
});
const app = createAdminApp({ manager, registry, store, log, config: { adminPassword: 'bench password' } });
const http = await listen(app, '127.0.0.1', 0);
let cookie = '';
let csrf = '';
const get = async (path: string): Promise<{ status: number; text: string }> => {
  const res = await fetch(http.url + path, { headers: { cookie }, redirect: 'manual' });
  return { status: res.status, text: await res.text() };
};
{
  const page = await fetch(http.url + '/login', { redirect: 'manual' });
  const pre = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const res = await fetch(http.url + '/login', {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: pre, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, username: 'admin', password: 'bench password' }).toString(),
  });
  cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  if (res.status !== 302) throw new Error(`login failed: ${res.status}`);
}

const older = MESSAGES / 2; // a store sequence number: the page below the middle
const pages: [string, string][] = [
  ['message log, all chats', `/accounts/${account}/messages`],
  ['message log, one chat', `/accounts/${account}/messages?chat=${encodeURIComponent('@chat17')}`],
  ['message log, text search', `/accounts/${account}/messages?q=shipping`],
  ['message log, search in a chat', `/accounts/${account}/messages?chat=${encodeURIComponent('@chat17')}&q=refund`],
  ['message log, older page', `/accounts/${account}/messages?before=${older}`],
  ['message log, live partial', `/accounts/${account}/messages?partial=1`],
  ['dashboard', `/accounts/${account}`],
];

console.log(`seeded ${MESSAGES.toLocaleString('en')} messages in ${CHATS} chats (${seeded} ms); ${RUNS} requests per page\n`);
console.log('page'.padEnd(34) + 'median'.padStart(10) + 'p95'.padStart(10) + 'max'.padStart(10));
let worst = 0;
for (const [name, path] of pages) {
  const first = await get(path);
  if (first.status !== 200 || (!first.text.includes('</html>') && !path.includes('partial'))) throw new Error(`${name}: status ${first.status}`);
  if (path.includes('/messages') && !/data-id="/.test(first.text)) throw new Error(`${name}: no messages rendered`);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    const r = await get(path);
    times.push(performance.now() - s);
    if (r.status !== 200) throw new Error(`${name}: status ${r.status}`);
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor(RUNS / 2)]!;
  const p95 = times[Math.floor(RUNS * 0.95)]!;
  const max = times[RUNS - 1]!;
  worst = Math.max(worst, p95);
  console.log(name.padEnd(34) + `${med.toFixed(1)} ms`.padStart(10) + `${p95.toFixed(1)} ms`.padStart(10) + `${max.toFixed(1)} ms`.padStart(10));
}
app.adminHandle.close();
await http.close();
await manager.stopAll();
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(`\nworst p95 ${worst.toFixed(1)} ms (limit ${LIMIT_MS} ms): ${worst < LIMIT_MS ? 'OK' : 'TOO SLOW'}`);
if (worst >= LIMIT_MS) process.exit(1);
