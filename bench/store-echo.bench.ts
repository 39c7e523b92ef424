/**
 * The store's CPU per echoed message (issue 17): the writes weiroto makes for a keep-alive echo burst, replayed
 * through the real store API on a real SQLite file, with nothing else running. Its figure is the floor the store puts
 * under the client's CPU per echo (the compare bench's keep-alive burst).
 *
 * The writes, as a compare run's SQL trace shows them (better-sqlite3 `verbose` on the weiroto process of
 * `compare.bench.ts` with BENCH_KEEP_ALIVE=1): per sync of S inbound messages, half from 1,000 of 5,000 contacts, half in
 * 300 groups (the compare bench's burst), with the own copies of the previous sync's S replies
 *   1. one `store.transaction` (the bot's `storeIncoming`): per message `messages.insert` and an `eventLog.insert`
 *      (message.received / message.self), then `stats.received` (the count, and the chats
 *      whose first message of the day it was); its replies (`issued.outbound.enqueue`, one per inbound message) written into the same
 *      group commit from `written`, as the bot does;
 *   2. the decision traces of the sync's messages (`traces.insertMany` and `stats.add(replied)`, one transaction,
 *      the account runtime's trace batch) and the first batch of settled sends in one group commit;
 *   3. the rest of the settled sends, a group commit per batch of B (`outbound.markSent`, an `eventLog.insert`
 *      message.sent each, `stats.add(sent)`; the outbound queue's settle batch).
 * Per echo that is 2 message rows, 3 event log rows, 2 traces, an outbound insert and update (stop 20's profile:
 * 4,000 / 6,000 / 4,000 / 2,000 + 2,000 per 2,000 echoes). Inputs (messages, event bodies, traces) are built before
 * the clock starts: the figure is the store's alone.
 *
 * Printed per run: CPU per echo (process.cpuUsage, user + system) and, on Linux, the write calls and bytes written per
 * echo (/proc/self/io: a WAL frame or a checkpointed page is one write call, so these count the pages the COMMITs write;
 * unlike the CPU they do not move with the machine's load); after each, a run split into the synchronous store calls of each
 * kind (their CPU measured around each call) and the rest: the COMMITs (WAL frames, the full-text index, which runs
 * just before each COMMIT, checkpoints), the gate and the promises between calls.
 *
 * Run: node --import tsx bench/store-echo.bench.ts   (`npm run bench -- store-echo`)
 * Env: BENCH_ECHOES (default 2000, a burst), BENCH_WARMUP (default 2000: echoes stored before, unmeasured, so the
 * tables and indexes are not empty), BENCH_RUNS (default 5), BENCH_SYNC (S, default 32), BENCH_SETTLED (B, default 8),
 * BENCH_PERF_CTL (below).
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { openStore, type Repos, type Store } from '../src/store/index.js';
import type { Message } from '../src/transport/model.js';
import type { DecisionTrace } from '../src/pipeline/trace.js';
import type { NewOutbound, OutboundRecord } from '../src/bot/outbound-record.js';
import { uuidv7 } from '../src/bot/ids.js';
import { webhookBody } from '../src/webhook/events.js';

const ECHOES = Number(process.env.BENCH_ECHOES ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SYNC = Number(process.env.BENCH_SYNC ?? 32);
const SETTLED = Number(process.env.BENCH_SETTLED ?? 8);
const ACCOUNT = 'cfa2eeeb';
const SELF = '@812981b287ffe46b4fb2d7b348cd90c0a1b2c3d4e5f60718293a4b5c6d7e8f90';
const DAY = '2026-11-30';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
/** 5,000 private chats and 300 groups, with ids shaped like the web protocol's. */
const CHATS = [
  ...Array.from({ length: 5000 }, (_, i) => ({ id: `@${hex(16)}`, name: `Contact ${i}`, stableId: `wxid_${hex(7)}`, room: false })),
  ...Array.from({ length: 300 }, (_, i) => ({ id: `@@${hex(32)}`, name: `群聊 ${i}`, stableId: `${randomInt(1e9, 9e9)}@chatroom`, room: true })),
];
/** A 64-bit decimal message id, as WeChat's. */
const msgId = (): string => `${randomInt(1e9, 9e9)}${randomInt(1e9, 9e9)}`.slice(0, 19);

/** One echo's inputs, built before the clock starts. */
interface Echo {
  chat: (typeof CHATS)[number];
  inbound: Message;
  inboundBody: string;
  reply: NewOutbound;
  own: Message;
  ownBody: string;
  sent: OutboundRecord;
  sentBody: string;
  traces: DecisionTrace[];
}

function trace(m: Message, chatName: string, at: number): DecisionTrace {
  const steps = ['admin-commands', 'auto-accept', 'keyword-reply', 'rate-limit', 'welcome', 'echo'].map((plugin) => ({
    plugin,
    outcome: plugin === 'echo' ? ('replied' as const) : ('ran' as const),
    ms: Math.round(Math.random() * 100) / 1000,
  }));
  return { account: ACCOUNT, messageId: m.id, chatId: m.chatId, chatName, steps, replied: !m.isSelf, ...(m.isSelf && { reason: 'own message' }), at };
}

/**
 * The echoes' clock: one a millisecond (about the keep-alive burst's rate), going on from one run to the next as a real
 * burst's times do, so that what is keyed by time (outbound ids, which are UUIDv7, and the sent times) grows at its
 * index's end as it does in weiroto, rather than landing on random pages among rows of the same millisecond.
 */
let clock = Date.now();

function echoes(n: number): Echo[] {
  const start = clock;
  clock += n;
  return Array.from({ length: n }, (_, i) => {
    const at = start + i;
    // Half private texts from many friends, half group texts from many groups (bench/compare/measure.ts `burstMessages`).
    const chat = i % 2 === 0 ? CHATS[(i * 7919) % 5000]! : CHATS[5000 + ((i * 31) % 300)]!;
    const text = `r0-weiroto-burst ${i} ping`;
    const base = { type: 'text' as const, chatId: chat.id, text, mentionsSelf: false, mentions: [], createdAt: at };
    const sender = chat.room ? `@${hex(16)}` : chat.id;
    const inbound: Message = {
      ...base,
      id: msgId(),
      ...(chat.room && { roomId: chat.id }),
      senderId: sender,
      senderName: chat.name,
      toId: SELF,
      isSelf: false,
    };
    const own: Message = { ...base, id: msgId(), ...(chat.room && { roomId: chat.id }), senderId: SELF, senderName: '测试账号', toId: chat.id, isSelf: true };
    const reply: NewOutbound = {
      id: uuidv7(at),
      account: ACCOUNT,
      chatId: chat.id,
      type: 'text',
      text,
      source: 'plugin:echo',
      replyTo: inbound.id,
      createdAt: at,
    };
    const sent: OutboundRecord = { ...reply, status: 'sent', wechatId: own.id, attempts: 1, sentAt: at };
    const body = (type: string, data: unknown) =>
      webhookBody({ type: type as 'message.received', account: ACCOUNT, transport: 'web', chatId: chat.id, at, data });
    return {
      chat,
      inbound,
      inboundBody: body('message.received', inbound),
      reply,
      own,
      ownBody: body('message.self', own),
      sent,
      sentBody: body('message.sent', sent),
      traces: [trace(inbound, chat.name, at), trace(own, chat.name, at)],
    };
  });
}

/** CPU (user + system, µs) of this process, by kind of write; `off`, the calls alone (no clock read around each). */
class Split {
  readonly by = new Map<string, number>();
  constructor(private readonly on: boolean) {}
  /** Run `call` (a store call that answers synchronously inside a transaction) and count its CPU under `kind`. */
  time<T>(kind: string, call: () => Promise<T>): Promise<T> {
    if (!this.on) return call();
    const start = process.cpuUsage();
    const p = call();
    const d = process.cpuUsage(start);
    this.by.set(kind, (this.by.get(kind) ?? 0) + d.user + d.system);
    return p;
  }
}

/** One sync's writes, laid out before the clock starts. */
interface Sync {
  echoes: Echo[];
  /** The own copies of the previous sync's replies, then this sync's inbound messages. */
  messages: { e: Echo; m: Message; body: string }[];
  traces: DecisionTrace[];
  /** The settled sends, in the settle batches. */
  settled: Echo[][];
}

function plan(list: Echo[]): Sync[] {
  const syncs: Sync[] = [];
  for (let i = 0; i < list.length; i += SYNC) {
    const echoes = list.slice(i, i + SYNC);
    const previous = syncs.at(-1)?.echoes ?? [];
    const messages = [...previous.map((e) => ({ e, m: e.own, body: e.ownBody })), ...echoes.map((e) => ({ e, m: e.inbound, body: e.inboundBody }))];
    const traces = [...previous.map((e) => e.traces[1]!), ...echoes.map((e) => e.traces[0]!)];
    const settled: Echo[][] = [];
    for (let j = 0; j < echoes.length; j += SETTLED) settled.push(echoes.slice(j, j + SETTLED));
    syncs.push({ echoes, messages, traces, settled });
  }
  return syncs;
}

type Enqueued = ReturnType<NonNullable<Store['issued']>['outbound']['enqueue']>;

/** The writes of one burst, sync by sync, as weiroto makes them. */
async function burst(store: Store, syncs: Sync[], split: Split): Promise<void> {
  const active = new Set<string>();
  const settle = (batch: Echo[]) =>
    store.transaction(async (tx) => {
      for (const e of batch) {
        await split.time('outbound', () => tx.outbound.markSent(e.sent.id, e.sent.wechatId!, e.sent.sentAt!, 1));
        await split.time('event log', () => tx.eventLog.insert({ type: 'message.sent', account: ACCOUNT, at: e.sent.sentAt!, body: e.sentBody }));
      }
      await split.time('statistics', () => tx.stats.add(ACCOUNT, DAY, 'sent', batch.length));
    });
  for (const sync of syncs) {
    // 1. The sync's messages, and their replies written into its group commit from `written` (the bot's `enqueueWith`).
    let replies: Enqueued[] = [];
    await store.transaction(
      async (tx: Repos) => {
        let received = 0;
        const newChats: string[] = [];
        for (const { e, m, body } of sync.messages) {
          await split.time('messages', () => tx.messages.insert(ACCOUNT, m, e.chat.name, e.chat.stableId));
          if (!m.isSelf) {
            received++;
            if (!active.has(m.chatId)) {
              active.add(m.chatId);
              newChats.push(m.chatId);
            }
          }
          await split.time('event log', () =>
            tx.eventLog.insert({ type: m.isSelf ? 'message.self' : 'message.received', account: ACCOUNT, at: m.createdAt, body }),
          );
        }
        if (received) await split.time('statistics', () => tx.stats.received(ACCOUNT, DAY, received, newChats));
      },
      { written: () => (replies = sync.echoes.map((e) => split.time('outbound', () => store.issued!.outbound.enqueue(e.reply)))) },
    );
    for (const r of replies) await (await r).committed;
    // 2. The traces with the first settle batch in one group commit; 3. the other batches, a group commit each.
    await Promise.all([
      store.transaction(async (tx) => {
        await split.time('traces', () => tx.traces.insertMany(sync.traces));
        await split.time('statistics', () => tx.stats.add(ACCOUNT, DAY, 'replied', sync.echoes.length));
      }),
      settle(sync.settled[0]!),
    ]);
    for (const batch of sync.settled.slice(1)) await settle(batch);
  }
}

/** This process's write calls and bytes written so far (Linux's /proc/self/io), or undefined elsewhere. */
function writes(): { calls: number; bytes: number } | undefined {
  if (!existsSync('/proc/self/io')) return undefined;
  const io = Object.fromEntries(
    readFileSync('/proc/self/io', 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(': ')),
  ) as Record<string, string>;
  return { calls: Number(io.syscw), bytes: Number(io.wchar) };
}

/** BENCH_PERF_CTL=<fifo>: the control FIFO of a `perf stat -D -1 --control fifo:<fifo>` on this process, told to count the plain runs only. */
const perfControl = (command: 'enable' | 'disable'): void => {
  if (process.env.BENCH_PERF_CTL) appendFileSync(process.env.BENCH_PERF_CTL, `${command}\n`);
};

const dir = mkdtempSync(join(tmpdir(), 'bench-store-echo-'));
try {
  const store = openStore({ dataDir: dir });
  if (WARMUP) await burst(store, plan(echoes(WARMUP)), new Split(false));
  console.log(`store-echo: ${ECHOES} echoes a run, syncs of ${SYNC} inbound messages, settled in batches of ${SETTLED}, after ${WARMUP} unmeasured`);
  const totals: number[] = [];
  // Odd runs plain (the figure), even runs split by kind (reading the clock around each call adds its own cost).
  for (let run = 0; run < RUNS * 2; run++) {
    const syncs = plan(echoes(ECHOES));
    const split = new Split(run % 2 === 1);
    globalThis.gc?.();
    if (run % 2 === 0) perfControl('enable');
    const written = writes();
    const start = process.cpuUsage();
    await burst(store, syncs, split);
    const d = process.cpuUsage(start);
    const wrote = written && writes();
    if (run % 2 === 0) perfControl('disable');
    const total = (d.user + d.system) / ECHOES / 1000;
    if (run % 2 === 0) {
      totals.push(total);
      const io =
        written && wrote
          ? `; ${((wrote.calls - written.calls) / ECHOES).toFixed(1)} write calls, ${((wrote.bytes - written.bytes) / ECHOES / 1024).toFixed(1)} KiB written per echo`
          : '';
      console.log(`  run ${run / 2 + 1}: ${total.toFixed(3)} ms CPU per echo${io}`);
      continue;
    }
    const parts = [...split.by].map(([k, us]) => `${k} ${(us / ECHOES / 1000).toFixed(3)}`);
    const calls = [...split.by.values()].reduce((a, b) => a + b, 0) / ECHOES / 1000;
    console.log(`    split (clock read around each call): ${total.toFixed(3)} = ${parts.join(', ')}, COMMITs and the rest ${(total - calls).toFixed(3)}`);
  }
  totals.sort((a, b) => a - b);
  console.log(
    `store-echo: median ${totals[Math.floor(totals.length / 2)]!.toFixed(3)} ms of store CPU per echo (${RUNS} runs; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
