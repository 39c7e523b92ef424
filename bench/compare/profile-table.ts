/**
 * Reads burst profiles (BENCH_BURST_PROF, see burst-profile.cjs) and prints where the main thread's
 * time went: the top functions by self time, and the inclusive time of each stage of an echo (a
 * sample counts for a stage when any frame of its stack is in that stage; "own" gives each sample
 * to the innermost stage of its stack only, so that column adds up). Times are ms per echo.
 *
 * Run: node --import tsx bench/compare/profile-table.ts <burst size> <file.cpuprofile>...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Stages of one echo, outermost first; a frame belongs to a stage when its "name file" matches. */
const STAGES: [string, RegExp][] = [
  ['synccheck answer', /\bsyncCheck\b|parseSyncCheck|protocol\/bodies\.js/],
  ['JSON text → wire objects (parseWireJson, big-int guard; sync bodies mostly)', /parseWireJson|protectBigInts|decodeUtf8|\bparseJson\b/],
  [
    'wire → domain message (sync loop, dispatch, parse)',
    /runSyncLoop|applySync|parse-message\.js|parse-system\.js|dispatch\.js|contact-book\.js|protocol\/bounded\.js|protocol\/text\.js/,
  ],
  ['store (inserts, dedupe, stats, traces, COMMIT)', /\/store\/|^run$/],
  ['event bodies (webhook outbox, event log)', /\/webhook\//],
  ['bot (incoming batch, events, directory)', /bot\/bot\.js|bot\/directory\.js|bot\/ids\.js/],
  ['pipeline (lanes, compose, plugin echo, traces)', /\/pipeline\/|plugins\/echo|\/accounts\//],
  ['outbound (queue, record, pacing)', /outbound-queue\.js|outbound-record\.js|pacing\.js/],
  ['webwxsendmsg request build + answer check', /protocol\/send\.js|protocol\/api\.js|api-errors\.js/],
  ['HTTP client (HttpSession, direct-request, agent)', /direct-request\.js|resuming-agent\.js|protocol\/http\.js|wechat4u-hosts/],
  ['logging', /pino|logger\.js/],
  [
    'node http/tls/net internals',
    /^[^ ]* node:(_http|https|http|_tls|tls|net|stream|internal\/streams|internal\/http|internal\/stream_base)|^(writev|writeLatin1String|writeUtf8String|execute|initialize|parse|hexSlice)$/,
  ],
  ['clock, timers, abort signals', /util\/clock\.js|node:internal\/(timers|abort_controller|event_target|per_context\/domexception)|^node:timers/],
  ['promise and tick plumbing', /processTicksAndRejections|runMicrotasks|runNextTicks|processPromiseRejections/],
];

function load(file: string): Profile {
  return JSON.parse(readFileSync(file, 'utf8')) as Profile;
}

const key = (f: CallFrame): string =>
  `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : ''}`.trim();

const [burstArg, ...files] = process.argv.slice(2);
const burst = Number(burstArg);
if (!burst || files.length === 0) throw new Error('usage: profile-table.ts <burst size> <file.cpuprofile>...');

/** DETAIL=<regex>: also the inclusive time of every function whose key matches (e.g. /store/). */
const detail = process.env.DETAIL ? new RegExp(process.env.DETAIL) : undefined;
const detailed = new Map<string, number>();
const self = new Map<string, number>();
/** Samples in no stage, by the nearest frame of weiroto's (or else Node's) own code. */
const others = new Map<string, number>();
const inclusive = new Map<string, number>();
const own = new Map<string, number>();
let total = 0;
let idle = 0;
for (const file of files) {
  const p = load(file);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // The stack of each node, as keys, leaf first (cached per node).
  const stacks = new Map<number, string[]>();
  const stackOf = (id: number): string[] => {
    let s = stacks.get(id);
    if (s) return s;
    s = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) s.push(key(byId.get(at)!.callFrame));
    stacks.set(id, s);
    return s;
  };
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i + 1] ?? 0;
    const leaf = key(byId.get(id)!.callFrame);
    if (leaf === '(idle)') {
      idle += us;
      return;
    }
    total += us;
    self.set(leaf, (self.get(leaf) ?? 0) + us);
    const stack = stackOf(id);
    if (detail) for (const k of new Set(stack.filter((k) => detail.test(k)))) detailed.set(k, (detailed.get(k) ?? 0) + us);
    let innermost: string | undefined;
    for (const [stage, re] of STAGES) {
      if (stack.some((k) => re.test(k))) {
        inclusive.set(stage, (inclusive.get(stage) ?? 0) + us);
      }
    }
    for (const k of stack) {
      const hit = STAGES.find(([, re]) => re.test(k));
      if (hit) {
        innermost = hit[0];
        break;
      }
    }
    const bucket = innermost ?? (leaf.startsWith('(') && !leaf.startsWith('(anonymous)') ? leaf : 'other');
    if (bucket === 'other') {
      const near = stack.find((k) => k.includes('dist/')) ?? stack.find((k) => k.includes('node:')) ?? leaf;
      others.set(near, (others.get(near) ?? 0) + us);
    }
    own.set(bucket, (own.get(bucket) ?? 0) + us);
  });
}

const perEcho = (us: number): string => (us / 1000 / burst / files.length).toFixed(3);
console.log(`${files.map((f) => basename(f)).join(', ')}: main thread busy ${perEcho(total)} ms per echo (idle ${perEcho(idle)})`);
console.log('\nstage | inclusive | own');
for (const [stage] of STAGES) console.log(`${stage} | ${perEcho(inclusive.get(stage) ?? 0)} | ${perEcho(own.get(stage) ?? 0)}`);
for (const [b, us] of [...own].filter(([b]) => !STAGES.some(([s]) => s === b)).sort((a, b) => b[1] - a[1])) console.log(`${b} | | ${perEcho(us)}`);
console.log('\n"other" by its nearest weiroto (or Node) frame');
for (const [k, us] of [...others].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${perEcho(us)}  ${k}`);
console.log('\ntop self time (ms per echo)');
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 40))) console.log(`${perEcho(us)}  ${k}`);
if (detail) {
  console.log(`\ninclusive time of functions matching ${String(detail)} (ms per echo)`);
  for (const [k, us] of [...detailed].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${perEcho(us)}  ${k}`);
}
