/**
 * Scale figures → text: console lines with PASS/MISS per target of issue 17, and the README block
 * between `<!-- scale:start -->` and `<!-- scale:end -->` (inside the Performance section).
 */
import { END_MARK, machine, type Target } from '../compare/report.js';
import type { ScaleResult } from './run.js';

export const SCALE_START = '<!-- scale:start -->';
export const SCALE_END = '<!-- scale:end -->';

const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '–');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');

/** Issue 17's targets for many accounts in one process. */
export function scaleTargets(r: ScaleResult): Target[] {
  const t = (name: string, value: number, limit: string, ok: (v: number) => boolean): Target => ({
    name,
    value,
    limit,
    pass: Number.isFinite(value) && ok(value),
  });
  const n = `${r.accounts} ${r.transport}`;
  const rs = r.restore;
  const out = [
    t(`${n}: RSS idle (MiB)`, r.rssMiB, '< 1024', (v) => v < 1024),
    t(`${n}: idle CPU, settled (% of one core)`, r.idleCpuPercent, '< 5', (v) => v < 5),
    t(`${n}: restored, no new QR (s)`, rs.newQrs === 0 ? rs.allOnlineMs / 1000 : NaN, '≤ 60', (v) => v <= 60),
  ];
  if (rs.peakLogins !== undefined)
    out.push(t(`${n}: most logins at once (sandbox)`, rs.peakLogins, `≤ ${rs.loginConcurrency}`, (v) => v <= rs.loginConcurrency));
  return out;
}

/** The figures of one run in sentences (console and README alike). */
export function scaleLines(r: ScaleResult): string[] {
  const world = r.transport === 'web' ? `web accounts of ${r.contacts} contacts` : 'iLink accounts (one bot contact each)';
  const poll = r.transport === 'web' ? 'synccheck' : 'getupdates';
  const rs = r.restore;
  return [
    `${r.accounts} ${world} in one weiroto process: all online in ${f1(r.allOnlineMs / 1000)} s (load ${f2(r.load.login)}); ` +
      `idle with ${r.heldPolls} ${poll} polls held: RSS ${f0(r.rssMiB)} MiB (peak ${f0(r.peakRssMiB)} MiB), CPU ${f2(r.idleCpuPercent)} % of one core over ${f0(r.idleMs / 1000)} s settled ` +
      `(${f2(r.firstIdle.cpuPercent)} % in the first ${f0(r.firstIdle.ms / 1000)} s, start-up clean-up included) ` +
      `(sandbox ${f2(r.sandboxIdleCpuPercent)} %; load ${f2(r.load.idle)}); a message to one of them answered in ${f0(r.latency.median)} ms median, ` +
      `${f0(r.latency.p90)} ms p90 (${r.latency.count} messages, load ${f2(r.load.latency)})`,
    `restarted on the same data: all ${r.accounts} online again in ${f1(rs.allOnlineMs / 1000)} s from their saved sessions, ${rs.newQrs} new QR codes, ` +
      `LOGIN_CONCURRENCY=${rs.loginConcurrency}` +
      (rs.peakLogins !== undefined ? `, at most ${rs.peakLogins} start-ups at once as the sandbox saw them` : '') +
      `; RSS ${f0(rs.rssMiB)} MiB (load ${f2(r.load.restore)})`,
  ];
}

export function scaleConsoleReport(results: ScaleResult[]): string {
  const lines = [`scale: machine ${machine()}`, ''];
  for (const r of results) lines.push(...scaleLines(r), '');
  lines.push('targets:');
  for (const r of results)
    for (const t of scaleTargets(r)) lines.push(`  ${t.pass ? 'PASS' : 'MISS'}  ${t.name.padEnd(44)} ${f2(t.value).padStart(8)}  (target ${t.limit})`);
  return lines.join('\n');
}

export function scaleReadme(results: ScaleResult[]): string {
  return [
    `Many accounts in one process (\`npm run bench -- scale\`, \`bench/scale.bench.ts\`): one weiroto process (\`BOT_PLUGINS=echo\`, SQLite on),`,
    `one sandbox in its own process (TLS mode, real host names), long polls held as WeChat does (synccheck 25 s, iLink getupdates 35 s). Machine: ${machine()}; the load average is given with`,
    'each figure (other work shared the machine).',
    '',
    ...results.flatMap((r) => scaleLines(r).map((l) => `- ${l}.`)),
    '',
    '| target | measured | |',
    '|---|---:|---|',
    ...results.flatMap((r) => scaleTargets(r).map((t) => `| ${t.name} ${t.limit} | ${f2(t.value)} | ${t.pass ? 'PASS' : 'MISS'} |`)),
  ].join('\n');
}

/** README text with the scale block replaced (appended after the Performance markers when missing). */
export function replaceScale(readme: string, block: string): string {
  const start = readme.indexOf(SCALE_START);
  const end = readme.indexOf(SCALE_END);
  if (start >= 0 && end > start) return readme.slice(0, start + SCALE_START.length) + '\n' + block + '\n' + readme.slice(end);
  const perfEnd = readme.indexOf(END_MARK);
  const at = perfEnd >= 0 ? perfEnd + END_MARK.length : readme.length;
  return `${readme.slice(0, at)}\n\n${SCALE_START}\n${block}\n${SCALE_END}${readme.slice(at)}`;
}
