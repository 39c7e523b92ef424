/**
 * Where SQLite's CPU goes per row of an echoed message (issue 17), on the real schema: a SQLite file opened by the
 * store's own `openDatabase` (migrations applied, its pragmas set), written with the statements the repositories run
 * for an echo (their SQL text, copied here, prepared once as the repositories do), through better-sqlite3 directly so
 * that the figure is SQLite's alone (no gate, no promises). Then the same on a scratch copy of the schema with one
 * suspect taken away at a time (an index, AUTOINCREMENT, a pragma, the reuse of prepared statements): what each costs
 * is the difference with `base`.
 *
 * Per row kind, rows are written in COMMITs of GROUP rows (a group commit), after WARMUP echoes' worth of rows so that
 * tables and indexes are not empty; `echo` is a whole echo's rows in the same group commits as bench/store-echo.bench.ts
 * lays them out (per echo 2 messages, 3 event log rows, an outbound insert and its update to sent, 2 traces, the
 * statistics rows, the full-text index statement before each COMMIT). Printed: µs of CPU (user + system) per row (per
 * echo for `echo`) and, load-independent, WAL write calls per row (/proc/self/io: one per frame written or checkpointed
 * page). Variants run interleaved, RUNS rounds, medians printed.
 *
 * Run: node --import tsx bench/store-rows.bench.ts
 * Env: BENCH_ROWS (rows per kind a round, default 2000), BENCH_WARMUP (echoes written before, default 4000), BENCH_RUNS
 * (rounds, default 3), BENCH_GROUP (rows per COMMIT, default 16), BENCH_VARIANTS and BENCH_KINDS (comma-separated names,
 * default all).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { openDatabase, type Db } from '../src/store/database.js';
import { uuidv7 } from '../src/bot/ids.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 4000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const GROUP = Number(process.env.BENCH_GROUP ?? 16);

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const CHATS = [...Array.from({ length: 5000 }, () => `@${hex(16)}`), ...Array.from({ length: 300 }, () => `@@${hex(32)}`)];
const msgId = (): string => `${randomInt(1e9, 9e9)}${randomInt(1e9, 9e9)}`.slice(0, 19);
const [ACCOUNT, DAY] = ['cfa2eeeb', '2026-11-30'] as const;
/** A webhook body of the size weiroto writes for a text message (about 600 bytes). */
const body = (chat: string, id: string): string =>
  JSON.stringify({
    type: 'message.received',
    timestamp: new Date().toISOString(),
    data: { account: ACCOUNT, chatId: chat, message: { id, text: 'r0-weiroto-burst ping', pad: hex(180) } },
  });

/** The repositories' statements of the echo path (src/store/*-repo.ts), SQLite text. */
const SQL = {
  message: `insert into messages (account_id, id, chat_id, room_id, sender_id, sender_name, to_id, is_self, type, text,
       mentions_self, created_at, extra, chat_name, chat_stable_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing`,
  fts: 'insert into messages_fts (rowid, text) select seq, text from messages where seq > (select coalesce(max(id), 0) from messages_fts_docsize)',
  event: 'insert into event_log (type, account, at, body) values (?, ?, ?, ?)',
  outbound: `insert into outbound (id, account_id, chat_id, type, text, file_name, file_mime, file_data, payload, status, source, reply_to,
       idempotency_key, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)`,
  sent: "update outbound set status = 'sent', wechat_id = ?, sent_at = ?, attempts = ?, error_code = null, error_message = null, file_data = null where id = ?",
  trace: 'insert into decision_traces (account_id, message_id, chat_id, trace, at) values (?, ?, ?, ?, ?)',
  stats: `insert into daily_stats (account_id, day, sent) values (?, ?, ?)
       on conflict(account_id, day) do update set sent = daily_stats.sent + excluded.sent`,
};
const TRACE = JSON.stringify(['admin-commands', 'auto-accept', 'keyword-reply', 'rate-limit', 'welcome', 'echo'].map((p) => ({ p, o: 'ran', ms: 0.012 })));

interface Variant {
  name: string;
  /** Run on the scratch file after the migrations. */
  schema?: string;
  pragma?: string;
  /** Prepare each statement anew at each use (what re-use saves). */
  noReuse?: boolean;
  /** Random (v4) outbound ids instead of time-ordered ones. */
  randomIds?: boolean;
  /** No full-text index statement before each COMMIT. */
  noFts?: boolean;
  /**
   * One event log insert per row, as the store wrote them before stop 30 (it now keeps a group's rows until the COMMIT
   * and writes them in one insert just before it: src/store/event-log-pending.ts).
   */
  eventsPerRow?: boolean;
}

/** Recreate a table from its own definition, edited: a scratch copy without AUTOINCREMENT or a unique constraint. */
const recreate = (table: string, columns: string, copy: string, indexes: string): string =>
  `create table ${table}_x (${columns}); insert into ${table}_x select ${copy} from ${table}; drop table ${table};
   alter table ${table}_x rename to ${table}; ${indexes}`;

const VARIANTS: Variant[] = [
  { name: 'base' },
  { name: '-messages_id', schema: 'drop index messages_id' },
  { name: '-messages_account', schema: 'drop index messages_account' },
  { name: '-messages_chat_seq', schema: 'drop index messages_chat_seq' },
  { name: '-fts', noFts: true },
  // FTS5 merges a level's segments once it holds this many (default 4): fewer rewrites of each entry, more segments to read.
  { name: 'fts automerge 8', schema: "insert into messages_fts(messages_fts, rank) values ('automerge', 8)" },
  { name: 'fts automerge 16', schema: "insert into messages_fts(messages_fts, rank) values ('automerge', 16)" },
  { name: 'events one insert per row', eventsPerRow: true },
  { name: '-event_log_account', schema: 'drop index event_log_account' },
  {
    name: '-event_log autoinc',
    schema: recreate(
      'event_log',
      'seq integer primary key, type text not null, account text not null, at integer not null, body text not null',
      '*',
      'create index event_log_account on event_log(account, seq);',
    ),
  },
  {
    name: '-event_log both idx+autoinc',
    schema: recreate('event_log', 'seq integer primary key, type text not null, account text not null, at integer not null, body text not null', '*', ''),
  },
  { name: '-outbound_pending', schema: 'drop index outbound_pending' },
  {
    name: 'outbound_pending unsent only',
    schema: "drop index outbound_pending; create index outbound_pending on outbound(account_id, status, seq) where status <> 'sent'",
  },
  { name: '-outbound_idempotency', schema: 'drop index outbound_idempotency' },
  { name: '-outbound_sent', schema: 'drop index outbound_sent' },
  // Built in `open`: the unique index is the column's own, so the table is recreated without it.
  { name: '-outbound id unique' },
  { name: 'outbound ids v4', randomIds: true },
  { name: '-decision_traces_account', schema: 'drop index decision_traces_account' },
  { name: 'foreign_keys off', pragma: 'foreign_keys = OFF' },
  // SQLite's default WAL size between checkpoints (1,000 pages of 4 KiB; the file's pages are 8 KiB).
  { name: 'autocheckpoint 4 MiB', pragma: 'wal_autocheckpoint = 500' },
  { name: 'autocheckpoint 32 MiB', pragma: 'wal_autocheckpoint = 4000' },
  { name: 'autocheckpoint 64 MiB', pragma: 'wal_autocheckpoint = 8000' },
  { name: 'autocheckpoint off', pragma: 'wal_autocheckpoint = 0' },
  { name: 'cache 16 MiB', pragma: 'cache_size = -16000' },
  { name: 'synchronous FULL', pragma: 'synchronous = FULL' },
  { name: 'synchronous OFF', pragma: 'synchronous = OFF' },
  { name: 'journal_size_limit 16M', pragma: 'journal_size_limit = 16777216' },
  { name: 'no statement reuse', noReuse: true },
];
// The outbound table without its `id text not null unique` (a scratch copy: the unique index is the column's own).
const outboundColumns = (db: Db): string => {
  const sql = (db.prepare("select sql from sqlite_master where name = 'outbound'").pluck().get() as string).replace(
    /id text not null unique/,
    'id text not null',
  );
  return sql.slice(sql.indexOf('(') + 1, sql.lastIndexOf(')'));
};

function writeCalls(): number {
  if (!existsSync('/proc/self/io')) return 0;
  return Number(/syscw: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

interface Figures {
  us: number;
  writes: number;
}

class Bench {
  private readonly stmts = new Map<string, Statement>();
  private clock = Date.now();
  /** Outbound ids queued and not yet sent. */
  private queued: { id: string; at: number }[] = [];
  /** Event rows kept for the COMMIT (unless `eventsPerRow`), four parameters a row, and the insert of n rows. */
  private events: (string | number)[] = [];
  private readonly eventsInsert = new Map<number, Statement>();
  constructor(
    private readonly db: Db,
    private readonly v: Variant,
  ) {}

  private st(key: keyof typeof SQL): Statement {
    if (this.v.noReuse) return this.db.prepare(SQL[key]);
    let s = this.stmts.get(key);
    if (!s) this.stmts.set(key, (s = this.db.prepare(SQL[key])));
    return s;
  }

  message(i: number, self: boolean): void {
    const chat = CHATS[self ? (i * 7919) % 5000 : 5000 + ((i * 31) % 300)]!;
    const at = this.clock++;
    const room = chat.startsWith('@@') ? chat : null;
    this.st('message').run(
      ACCOUNT,
      msgId(),
      chat,
      room,
      self ? '@self' : chat,
      'Contact',
      self ? chat : '@self',
      self ? 1 : 0,
      'text',
      `ping ${i}`,
      0,
      at,
      null,
      'Contact',
      'wxid_x',
    );
  }
  event(i: number): void {
    const at = this.clock++;
    const row = ['message.received', ACCOUNT, at, body(CHATS[i % CHATS.length]!, String(i))] as const;
    if (!this.v.eventsPerRow) this.events.push(...row);
    else this.st('event').run(...row);
  }
  private writeEvents(): void {
    const n = this.events.length / 4;
    if (n === 0) return;
    let s = this.eventsInsert.get(n);
    if (!s) this.eventsInsert.set(n, (s = this.db.prepare(`${SQL.event}${', (?, ?, ?, ?)'.repeat(n - 1)}`)));
    s.run(...this.events);
    this.events = [];
  }
  outbound(i: number): void {
    const at = this.clock++;
    const id = this.v.randomIds ? randomUUID() : uuidv7(at);
    this.st('outbound').run(id, ACCOUNT, CHATS[i % CHATS.length]!, 'text', `ping ${i}`, null, null, null, null, 'plugin:echo', msgId(), null, at);
    this.queued.push({ id, at });
  }
  sent(): void {
    const q = this.queued.shift();
    if (q) this.st('sent').run(msgId(), q.at + 5, 1, q.id);
  }
  trace(i: number): void {
    this.st('trace').run(ACCOUNT, msgId(), CHATS[i % CHATS.length]!, TRACE, this.clock);
  }
  commit(fts: boolean): void {
    if (fts && !this.v.noFts) this.st('fts').run();
    this.writeEvents();
    this.st('stats').run(ACCOUNT, DAY, 1);
    this.db.prepare('commit').run(); // better-sqlite3 caches nothing: the same for every variant
  }

  /** `rows` rows of one kind (or whole echoes), GROUP to a COMMIT. */
  write(kind: Kind, rows: number): void {
    for (let i = 0; i < rows; i += GROUP) {
      this.db.prepare('begin immediate').run();
      for (let j = i; j < Math.min(rows, i + GROUP); j++) KINDS[kind](this, j);
      this.commit(kind === 'message' || kind === 'echo');
    }
  }
}

const KINDS = {
  message: (b: Bench, i: number) => b.message(i, i % 2 === 1),
  event: (b: Bench, i: number) => b.event(i),
  'outbound insert': (b: Bench, i: number) => b.outbound(i),
  'outbound sent': (b: Bench) => b.sent(),
  trace: (b: Bench, i: number) => b.trace(i),
  echo: (b: Bench, i: number) => {
    b.message(i, false);
    b.message(i, true);
    b.event(i);
    b.event(i + 1);
    b.event(i + 2);
    b.outbound(i);
    b.sent();
    b.trace(i);
    b.trace(i + 1);
  },
};
type Kind = keyof typeof KINDS;

function open(v: Variant): { db: Db; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-rows-'));
  const db = openDatabase(dir);
  if (v.name === '-outbound id unique') {
    const indexes = (
      db.prepare("select sql from sqlite_master where tbl_name = 'outbound' and type = 'index' and sql is not null").pluck().all() as string[]
    ).join('; ');
    db.exec(recreate('outbound', outboundColumns(db), '*', indexes));
  } else if (v.schema) db.exec(v.schema);
  if (v.pragma) db.pragma(v.pragma);
  return { db, dir };
}

const kinds = (Object.keys(KINDS) as Kind[]).filter((k) => !process.env.BENCH_KINDS || process.env.BENCH_KINDS.split(',').includes(k));
const chosen = process.env.BENCH_VARIANTS ? VARIANTS.filter((v) => process.env.BENCH_VARIANTS!.split(',').includes(v.name)) : VARIANTS;
const results = new Map<string, Map<Kind, Figures[]>>();
console.log(`store-rows: ${ROWS} rows a kind, COMMITs of ${GROUP}, after ${WARMUP} echoes unmeasured; ${RUNS} rounds`);
for (let round = 0; round < RUNS; round++) {
  for (const v of chosen) {
    const { db, dir } = open(v);
    try {
      const b = new Bench(db, v);
      b.write('echo', WARMUP);
      const per = results.get(v.name) ?? new Map<Kind, Figures[]>();
      results.set(v.name, per);
      for (const kind of kinds) {
        // The sent rows update rows queued before: queue them first, unmeasured.
        if (kind === 'outbound sent') b.write('outbound insert', ROWS);
        globalThis.gc?.();
        const w = writeCalls();
        const start = process.cpuUsage();
        b.write(kind, ROWS);
        const d = process.cpuUsage(start);
        const f = { us: (d.user + d.system) / ROWS, writes: (writeCalls() - w) / ROWS };
        per.set(kind, [...(per.get(kind) ?? []), f]);
      }
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pad = (s: string, n: number): string => s.padStart(n);
console.log(`${'variant'.padEnd(28)}${kinds.map((k) => pad(k, 24)).join('')}`);
console.log(`${''.padEnd(28)}${kinds.map(() => pad('µs/row min/med  writes', 24)).join('')}`);
for (const [name, per] of results) {
  const cells = kinds.map((k) => {
    const fs = per.get(k)!;
    return pad(`${Math.min(...fs.map((f) => f.us)).toFixed(1)}/${median(fs.map((f) => f.us)).toFixed(1)}  ${median(fs.map((f) => f.writes)).toFixed(2)}`, 24);
  });
  console.log(`${name.padEnd(28)}${cells.join('')}`);
}
console.log(
  `(echo: per echo. Load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`,
);
