/**
 * BENCH_STAGES=1: where a single message's latency goes, on the sandbox's clock. The sandbox runs in
 * the bench's process, so Node's built-in HTTP diagnostics channels show when each request of the
 * client arrived (its headers parsed) and when each answer was written, with no change to the
 * sandbox. Per message, from the injection to the echo's journal entry:
 *   inject → synccheck answered → webwxsync arrived → webwxsync answered → webwxsendmsg arrived → echo read,
 * and whether the client's next synccheck arrived before its send (the single-threaded sandbox then
 * serves that one first). Stages a message did not go through (no synccheck held: the message waited
 * for the next poll) are left out of that stage's median.
 */
import dc from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { median, quantile } from './measure.js';

interface Mark {
  endpoint: string;
  kind: 'arrived' | 'answered';
  at: number;
}

/** One message's path through the stages (ms from the injection; undefined: not seen). */
export interface StageTimes {
  syncCheckAnswered?: number;
  syncArrived?: number;
  syncAnswered?: number;
  sendArrived?: number;
  echoRead: number;
  /** The client's next synccheck arrived before its webwxsendmsg. */
  pollFirst: boolean;
}

export const STAGE_NAMES = [
  ['inject → synccheck answered', 'sandbox'],
  ['→ webwxsync arrived', 'client'],
  ['→ webwxsync answered', 'sandbox'],
  ['→ webwxsendmsg arrived', 'client'],
  ['→ echo read', 'sandbox'],
] as const;

const endpointOf = (url: string | undefined): string => {
  const path = (url ?? '').split('?', 1)[0]!;
  return path.slice(path.lastIndexOf('/') + 1);
};

/** Records the marks of every request the sandbox serves while on. */
export class StageClock {
  private marks: Mark[] = [];
  private readonly arrived = ({ request }: { request: IncomingMessage }): void =>
    void this.marks.push({ endpoint: endpointOf(request.url), kind: 'arrived', at: performance.now() });
  private readonly answered = ({ request }: { request: IncomingMessage }): void =>
    void this.marks.push({ endpoint: endpointOf(request.url), kind: 'answered', at: performance.now() });

  constructor() {
    dc.subscribe('http.server.request.start', this.arrived as (m: unknown) => void);
    dc.subscribe('http.server.response.finish', this.answered as (m: unknown) => void);
  }

  /** Forget the marks so far (call just before injecting). */
  reset(): void {
    this.marks = [];
  }

  /** The stages of the message injected at `injectAt` and echoed (journal) at `echoAt`, from the marks since reset(). */
  stages(injectAt: number, echoAt: number): StageTimes {
    const from = (m: Mark | undefined): number | undefined => (m ? m.at - injectAt : undefined);
    const find = (endpoint: string, kind: Mark['kind'], after: number, before = echoAt): Mark | undefined =>
      this.marks.find((m) => m.endpoint === endpoint && m.kind === kind && m.at >= after && m.at <= before);
    // The synccheck this message answered comes before the sync that fetches it (none: the sync was under way already).
    const firstSync = find('webwxsync', 'arrived', injectAt);
    const check = find('synccheck', 'answered', injectAt, firstSync?.at);
    const syncIn = find('webwxsync', 'arrived', check?.at ?? injectAt);
    const syncOut = syncIn && find('webwxsync', 'answered', syncIn.at);
    const sendIn = syncOut && find('webwxsendmsg', 'arrived', syncOut.at);
    const poll = syncOut && find('synccheck', 'arrived', syncOut.at);
    const t: StageTimes = { echoRead: echoAt - injectAt, pollFirst: poll !== undefined && sendIn !== undefined && poll.at < sendIn.at };
    const s = from(check);
    if (s !== undefined) t.syncCheckAnswered = s;
    const a = from(syncIn);
    if (a !== undefined) t.syncArrived = a;
    const b = from(syncOut);
    if (b !== undefined) t.syncAnswered = b;
    const c = from(sendIn);
    if (c !== undefined) t.sendArrived = c;
    return t;
  }

  close(): void {
    dc.unsubscribe('http.server.request.start', this.arrived as (m: unknown) => void);
    dc.unsubscribe('http.server.response.finish', this.answered as (m: unknown) => void);
  }
}

/** Each stage's duration per message (NaN where a message skipped it). */
function durations(t: StageTimes): number[] {
  const points = [0, t.syncCheckAnswered, t.syncArrived, t.syncAnswered, t.sendArrived, t.echoRead];
  const out: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    out.push(a === undefined || b === undefined ? NaN : b - a);
  }
  return out;
}

/** The split as text lines: each stage's median and p90, private and group messages apart. */
export function stageTable(client: string, all: { group: boolean; t: StageTimes }[]): string[] {
  const lines = [`  stages of ${client}'s single messages (ms on the sandbox's clock; median / p90):`];
  for (const [label, group] of [
    ['private', false],
    ['group', true],
  ] as const) {
    const mine = all.filter((x) => x.group === group);
    if (mine.length === 0) continue;
    const per = mine.map((x) => durations(x.t));
    const cols = STAGE_NAMES.map(([name, side], i) => {
      const xs = per.map((d) => d[i]!).filter((v) => Number.isFinite(v));
      return `${name} (${side}) ${median(xs).toFixed(2)} / ${quantile(xs, 0.9).toFixed(2)}`;
    });
    const polls = mine.filter((x) => x.t.pollFirst).length;
    lines.push(`    ${label} (${mine.length}): ${cols.join(', ')}; next synccheck before the send: ${polls} of ${mine.length}`);
  }
  return lines;
}
