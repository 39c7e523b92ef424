/**
 * login → ready with 5,000 contacts and 300 groups against the sandbox (through real HTTP):
 * time from the confirm tap to `ready`, the split at `login`, request counts and memory.
 * Run: node --import tsx bench/login-ready.bench.ts [contacts] [rooms]
 */
import { createWebTransport } from '../src/protocol/index.js';
import { startSandbox } from '../src/sandbox/index.js';

const contacts = Number(process.argv[2] ?? 5000);
const rooms = Number(process.argv[3] ?? 300);
const runs = Number(process.env.BENCH_RUNS ?? 3);

const sb = await startSandbox({ holdMs: 2000, contacts, rooms, roomSize: 30, contactPageSize: 1000 });
const results: { total: number; login: number; ready: number }[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const t = createWebTransport({ endpoint: sb.origin });
    let confirmedAt = 0;
    let loginAt = 0;
    let readyAt = 0;
    t.on('qr', () => {
      void (async () => {
        await sb.control.scan();
        confirmedAt = performance.now();
        await sb.control.confirm();
      })();
    });
    t.on('login', () => (loginAt = performance.now()));
    let readyRooms = 0;
    t.on('ready', (r) => {
      readyAt = performance.now();
      readyRooms = r.rooms;
    });
    await t.start();
    if (readyRooms !== rooms) throw new Error(`expected ${rooms} rooms at ready, got ${readyRooms}`);
    results.push({ total: readyAt - confirmedAt, login: loginAt - confirmedAt, ready: readyAt - loginAt });
    if (t.rooms().some((r) => r.members.length === 0)) throw new Error('a room has no members at ready');
    await t.logout();
  }
} finally {
  await sb.close();
}
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rss = process.memoryUsage().rss / 1048576;
console.log(`login-ready: ${contacts} contacts, ${rooms} groups (30 members each), ${runs} runs`);
console.log(`  confirm → login  median ${med(results.map((r) => r.login)).toFixed(0)} ms`);
console.log(`  login → ready    median ${med(results.map((r) => r.ready)).toFixed(0)} ms`);
console.log(`  confirm → ready  median ${med(results.map((r) => r.total)).toFixed(0)} ms  (runs: ${results.map((r) => r.total.toFixed(0)).join(', ')} ms)`);
console.log(`  process RSS after runs ${rss.toFixed(0)} MiB (sandbox and client in one process)`);
