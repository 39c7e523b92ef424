/**
 * Message search at 1,000,000 stored messages (one account, 2,000 chats, mixed Chinese and English
 * text): the store's search (FTS5 trigram index for three characters or more; LIKE for one or two,
 * read in windows under a time budget) must answer a page in under 50 ms (p95). Timed through
 * the repository, on a real SQLite file in WAL mode. "walk" is the time to follow `next` to the end
 * (every match, or the proof that there is none), and how many pages that took.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import type { Message } from '../src/transport/model.js';

const MESSAGES = Number(process.env.SEARCH_BENCH_MESSAGES ?? 1_000_000);
const CHATS = 2_000;
const RUNS = 30;
const LIMIT_MS = 50;

const zh = [
  '你好',
  '多少钱',
  '明天',
  '发货',
  '谢谢',
  '图片',
  '可以吗',
  '好的',
  '地址',
  '快递',
  '退款',
  '今天',
  '下午',
  '开会',
  '的',
  '了',
  '我们',
  '什么时候',
  '没问题',
  '收到',
];
const en = ['hello', 'price', 'order', 'shipping', 'thanks', 'photo', 'tomorrow', 'refund', 'meeting', 'address', 'ok', 'please', 'when', 'number'];
let seed = 42;
/** mulberry32: a small deterministic generator, so every run searches the same text. */
const rand = (n: number): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n;
};
function text(i: number): string {
  const words: string[] = [];
  const n = 3 + Math.floor(rand(10));
  for (let w = 0; w < n; w++) words.push(rand(3) < 1 ? en[Math.floor(rand(en.length))]! : zh[Math.floor(rand(zh.length))]!);
  if (i % 10_000 === 0) words.push('罕见词汇'); // 100 rare hits
  return words.join(rand(2) < 1 ? ' ' : '') + ` #${i}`;
}

const dir = mkdtempSync(join(tmpdir(), 'weiroto-bench-search-'));
const store = openStore({ dataDir: dir });
const account = (await store.accounts.create({ name: 'bench' })).id;
const start = Date.UTC(2026, 0, 1);
const t0 = performance.now();
const BATCH = 50_000;
for (let b = 0; b < MESSAGES; b += BATCH) {
  await store.transaction(async (tx) => {
    for (let i = b; i < Math.min(MESSAGES, b + BATCH); i++) {
      const chat = `@chat${Math.floor(rand(CHATS))}`;
      const m: Message = {
        id: String(i),
        type: 'text',
        chatId: chat,
        senderId: chat,
        toId: '@self',
        isSelf: false,
        text: text(i),
        mentionsSelf: false,
        mentions: [],
        createdAt: start + Math.floor(i / 20) * 1000,
      };
      await tx.messages.insert(account, m);
    }
  });
}
const seeded = performance.now() - t0;
console.log(`seeded ${MESSAGES.toLocaleString('en')} messages in ${CHATS} chats in ${(seeded / 1000).toFixed(1)} s; ${RUNS} runs per search, 50 a page\n`);

const searches: [string, { text: string; chatId?: string }][] = [
  ['no match (5 chars, Chinese)', { text: '不存在的词' }],
  ['no match (Latin)', { text: 'zebra quantum' }],
  // A trigram index's weak spot: every word is in a large share of the messages, so FTS5's own phrase query
  // reads long lists to learn the phrase is nowhere (139–404 ms median); the store starts from the rarest trigrams.
  ['no match, every word common', { text: 'thanks price hello photo' }],
  ['rare (100 hits)', { text: '罕见词汇' }],
  ['common (3 chars)', { text: '多少钱' }],
  ['common phrase (Latin)', { text: 'price please' }],
  ['in one chat', { text: '发货', chatId: '@chat17' }],
  ['one chat, no match', { text: '不存在的词', chatId: '@chat17' }],
  ['2 chars, common', { text: '明天' }],
  ['1 char, never seen', { text: '龘' }],
];
console.log('search'.padEnd(34) + 'hits'.padStart(6) + 'median'.padStart(10) + 'p95'.padStart(10) + 'max'.padStart(10) + 'walk'.padStart(18));
let worst = 0;
for (const [name, q] of searches) {
  const times: number[] = [];
  let hits = 0;
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    hits = (await store.messages.list(account, { ...q, limit: 50 })).items.length;
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const walkStart = performance.now();
  let pages = 0;
  for (let before: number | undefined, first = true; first || before !== undefined; first = false, pages++) {
    before = (await store.messages.list(account, { ...q, limit: 50, ...(before !== undefined && { beforeSeq: before }) })).next;
  }
  const walk = `${(performance.now() - walkStart).toFixed(0)} ms/${pages}p`;
  const p95 = times[Math.floor(RUNS * 0.95)]!;
  if (!name.endsWith('*')) worst = Math.max(worst, p95);
  console.log(
    name.padEnd(34) +
      String(hits).padStart(6) +
      `${times[Math.floor(RUNS / 2)]!.toFixed(1)} ms`.padStart(10) +
      `${p95.toFixed(1)} ms`.padStart(10) +
      `${times[RUNS - 1]!.toFixed(1)} ms`.padStart(10) +
      walk.padStart(18),
  );
}
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(`\nworst p95 ${worst.toFixed(1)} ms (limit ${LIMIT_MS} ms, rows marked * aside): ${worst < LIMIT_MS ? 'OK' : 'TOO SLOW'}`);
if (worst >= LIMIT_MS) process.exit(1);
