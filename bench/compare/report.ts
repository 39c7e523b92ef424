/**
 * Figures → text: the console table with ratios and PASS/MISS per target, and the README
 * Performance table (regenerated between `<!-- perf:start -->` and `<!-- perf:end -->` only).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { READY_DEFINITION, type ClientName } from './clients.js';
import type { ClientSummary, CompareResult } from './run.js';

export interface Target {
  name: string;
  /** The measured ratio or value, NaN when a client was not run. */
  value: number;
  limit: string;
  pass: boolean;
}

export const START_MARK = '<!-- perf:start -->';

/** Where the latency clock starts and stops (printed with the figures). */
export const latencyDefinition = (o: { latencyGapMs: number }): string =>
  "performance.now() in the sandbox's process, from just before it queues the message (which answers the client's held synccheck) " +
  `to when it has read the client's webwxsendmsg echoing it; one message at a time, ${o.latencyGapMs} ms after the previous echo, alternately private and group`;
export const END_MARK = '<!-- perf:end -->';

/** Machine description: cores, CPU model, Node version, date. */
export function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? model;
  } catch {
    // not Linux: keep os.cpus()
  }
  let n = cpus().length;
  try {
    n = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || n;
  } catch {
    // no nproc: keep os.cpus()
  }
  return `${n} × ${model}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

/** a / b, NaN when either client was not run. */
const ratio = (a: number | undefined, b: number | undefined): number => (a !== undefined && b !== undefined && b > 0 ? a / b : NaN);

/** The targets, as ratios of one run's medians. */
export function targets(r: CompareResult): Target[] {
  const s = r.summary;
  const w = s.weiroto;
  const t = (name: string, value: number, limit: string, ok: (v: number) => boolean): Target => ({
    name,
    value,
    limit,
    pass: Number.isFinite(value) && ok(value),
  });
  return [
    t('echo throughput vs raw', ratio(w?.perSecond, s.raw?.perSecond), '≥ 0.8×', (v) => v >= 0.8),
    t('echo throughput vs wechat4u', ratio(w?.perSecond, s.wechat4u?.perSecond), '≥ 5×', (v) => v >= 5),
    t('latency median vs raw', ratio(w?.latencyMedian, s.raw?.latencyMedian), '≤ 1.5×', (v) => v <= 1.5),
    t('login→ready vs wechat4u', ratio(w?.loginReadyMs, s.wechat4u?.loginReadyMs), '≤ 0.8×', (v) => v <= 0.8),
    t('peak RSS vs wechat4u', ratio(w?.peakRssMiB, s.wechat4u?.peakRssMiB), '≤ 0.6×', (v) => v <= 0.6),
  ];
}

const f0 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(0));
const f2 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(2));
const f3 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(3));

function rows(r: CompareResult): string[][] {
  const s = r.summary;
  const order: ClientName[] = ['weiroto', 'raw', 'wechat4u'];
  const present = order.filter((c) => s[c]);
  const get = (c: ClientName, k: keyof ClientSummary): number => Number(s[c]?.[k]);
  const head = ['', ...present];
  const line = (label: string, k: keyof ClientSummary, fmt: (n: number) => string): string[] => [label, ...present.map((c) => fmt(get(c, k)))];
  const spread = (c: ClientName, k: 'latencyMedianSpread' | 'cpuMsPerMsgSpread', fmt: (n: number) => string): string => {
    const x = s[c]?.[k];
    return x ? `${fmt(x[0])}–${fmt(x[1])}` : '–';
  };
  return [
    head,
    line('login→ready (ms)', 'loginReadyMs', f0),
    line(`echo burst of ${r.options.burst}: wall (ms)`, 'burstWallMs', f0),
    line('echo burst: messages/s', 'perSecond', f0),
    line('echo burst: client CPU per message (ms)', 'cpuMsPerMsg', f3),
    [`CPU per message, lowest–highest of ${r.options.runs} run(s) (ms)`, ...present.map((c) => spread(c, 'cpuMsPerMsgSpread', f3))],
    line(`latency of 1 message, median of ${r.options.latencyCount} (ms)`, 'latencyMedian', f2),
    line('latency p90 (ms)', 'latencyP90', f2),
    [`latency median, lowest–highest of ${r.options.runs} run(s) (ms)`, ...present.map((c) => spread(c, 'latencyMedianSpread', f2))],
    line('peak RSS (MiB)', 'peakRssMiB', f0),
    line('RSS before login, QR shown (MiB)', 'startRssMiB', f0),
    line('sandbox CPU per echo (ms)', 'sandboxCpuMsPerMsg', f3),
  ];
}

function table(rs: string[][], markdown: boolean): string {
  if (markdown) {
    const [head, ...body] = rs;
    return [`| ${head!.join(' | ')} |`, `|${head!.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...body.map((x) => `| ${x.join(' | ')} |`)].join(
      '\n',
    );
  }
  const widths = rs[0]!.map((_, i) => Math.max(...rs.map((x) => x[i]!.length)));
  return rs.map((x) => x.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

function worldLine(r: CompareResult): string {
  const o = r.options;
  const connections = o.keepAlive ? 'connections kept alive' : 'every JSON connection closed by the server';
  return `${o.contacts} contacts, ${o.rooms} groups of ${o.roomSize}, ${o.syncBatch} messages per sync, long-poll hold ${o.holdMs / 1000} s, ${connections}, sandbox rate limits off; medians of ${o.runs} run(s)`;
}

/**
 * Issue 17's targets, read on the keep-alive sandbox where TCP and TLS set-up no longer hide the
 * client's own cost: CPU per echo ≤ 1.5× and latency ≤ 1.3× the raw client's.
 */
export function keepAliveTargets(r: CompareResult): Target[] {
  const w = r.summary.weiroto;
  const raw = r.summary.raw;
  const cpu = ratio(w?.cpuMsPerMsg, raw?.cpuMsPerMsg);
  const lat = ratio(w?.latencyMedian, raw?.latencyMedian);
  return [
    { name: 'keep-alive: client CPU per echo vs raw', value: cpu, limit: '≤ 1.5×', pass: Number.isFinite(cpu) && cpu <= 1.5 },
    { name: 'keep-alive: latency median vs raw', value: lat, limit: '≤ 1.3×', pass: Number.isFinite(lat) && lat <= 1.3 },
  ];
}

/**
 * weiroto's CPU per echo over the raw client's, run by run (run i of each, which ran one after the other): the target
 * reads the ratio of the medians, and these say how much of it one run can move on a shared machine.
 */
export function pairedCpuRatios(r: CompareResult): number[] {
  const of = (c: ClientName): number[] => r.runs.filter((x) => x.client === c).map((x) => x.burst.cpuMsPerMsg);
  const raw = of('raw');
  return of('weiroto').flatMap((w, i) => (raw[i] ? [w / raw[i]] : []));
}

/** `  CPU per echo ÷ raw, run by run: 1.52 1.87 2.10` (nothing when no run has both). */
function pairedLine(r: CompareResult): string[] {
  const ratios = pairedCpuRatios(r);
  return ratios.length ? [`CPU per echo ÷ raw, run by run: ${ratios.map(f2).join(' ')}`] : [];
}

/**
 * The most any client could echo on this machine: the sandbox's process (the sandbox and the
 * bench driver, one thread) spends its CPU per echo whatever the client does, so even a client
 * costing nothing stops at 1000 / that many ms.
 */
export function sandboxCeiling(r: CompareResult): string | undefined {
  const per = Object.values(r.summary)
    .map((x) => x.sandboxCpuMsPerMsg)
    .filter((x) => x > 0);
  const w4u = r.summary.wechat4u?.perSecond;
  if (per.length === 0) return undefined;
  const ceiling = 1000 / Math.min(...per);
  return (
    `Ceiling: the sandbox's process alone spends ≥ ${f3(Math.min(...per))} ms of CPU per echo, so no client can pass ${f0(ceiling)} echoes/s here` +
    (w4u ? ` (${f2(ceiling / w4u)}× wechat4u): the 5× target is beyond the wire, not just beyond weiroto` : '')
  );
}

/** The console report: table, ratios, targets, definitions. */
export function consoleReport(r: CompareResult): string {
  const lines = [`compare: ${worldLine(r)}`, `machine: ${machine()}`, '', table(rows(r), false), ''];
  const ceiling = sandboxCeiling(r);
  if (ceiling) lines.push(ceiling, '');
  lines.push('targets (ratios of this run):');
  for (const t of r.options.keepAlive ? keepAliveTargets(r) : targets(r))
    lines.push(`  ${t.pass ? 'PASS' : 'MISS'}  ${t.name.padEnd(40)} ${f2(t.value).padStart(8)}  (target ${t.limit})`);
  if (r.options.keepAlive) lines.push(...pairedLine(r).map((l) => `  ${l}`));
  lines.push('', `latency: ${latencyDefinition(r.options)}`);
  lines.push('', 'ready means:');
  for (const c of Object.keys(r.summary) as ClientName[]) lines.push(`  ${c}: ${READY_DEFINITION[c]}`);
  return lines.join('\n');
}

/** The Markdown put between the README markers; `keepAlive` is the same comparison on the keep-alive sandbox. */
export function readmeSection(r: CompareResult, keepAlive?: CompareResult): string {
  const ceiling = sandboxCeiling(r);
  const lines = [
    `Measured by \`npm run bench\` (\`bench/compare.bench.ts\`): three echo bots, each in its own process, against the same`,
    `sandbox in TLS mode (real host names, same DNS trick): weiroto (\`BOT_PLUGINS=echo SEND_PACING=off weiroto start\`, SQLite on),`,
    `the npm package wechat4u (unmodified) and a raw client (\`bench/clients/raw-echo.ts\`, keep-alive HTTPS and nothing else).`,
    `World: ${worldLine(r)}. Machine: ${machine()}. Absolute times drift on shared machines; the ratios of one run hold.`,
    '',
    table(rows(r), true),
    '',
    'Ready: weiroto = its "account … online" log line (contacts, every group\'s members, directory in SQLite; /readyz 200); raw = contacts and every',
    "group's members loaded; wechat4u = every friend and group in its address book, but not the members of the groups getcontact",
    'lists (it asks for them in one batchgetcontact of more than 50, which the server refuses). The server closes every JSON',
    'connection (as WeChat does), so each send and sync is a new TLS connection: that cost, the same for every client, bounds all three.',
    `Latency: ${latencyDefinition(r.options)}.`,
    ...(ceiling ? ['', `${ceiling}.`] : []),
    '',
    '| target | measured | |',
    '|---|---:|---|',
    ...targets(r).map((t) => `| ${t.name} ${t.limit} | ${f2(t.value)} | ${t.pass ? 'PASS' : 'MISS'} |`),
  ];
  if (keepAlive) {
    lines.push(
      '',
      `The same comparison with the sandbox's \`keepAlive\` switch on (\`weiroto sandbox --keep-alive\`): sockets are reused, so the`,
      `figures show each client's own cost per message. World: ${worldLine(keepAlive)}.`,
      '',
      table(rows(keepAlive), true),
      '',
      '| target | measured | |',
      '|---|---:|---|',
      ...keepAliveTargets(keepAlive).map((t) => `| ${t.name} ${t.limit} | ${f2(t.value)} | ${t.pass ? 'PASS' : 'MISS'} |`),
      ...pairedLine(keepAlive).flatMap((l) => ['', `${l} (the target reads the medians).`]),
    );
  }
  return lines.join('\n');
}

/** README text with the section between the markers replaced (a Performance section is appended when missing). */
export function replacePerf(readme: string, section: string): string {
  const start = readme.indexOf(START_MARK);
  const end = readme.indexOf(END_MARK);
  if (start >= 0 && end > start) return readme.slice(0, start + START_MARK.length) + '\n' + section + '\n' + readme.slice(end);
  const base = readme.endsWith('\n') ? readme : readme + '\n';
  return `${base}\n## Performance\n\n${START_MARK}\n${section}\n${END_MARK}\n`;
}
