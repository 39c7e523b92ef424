/**
 * The comparison as a function: one sandbox, the three clients run in turn (interleaved, so slow
 * drift of the shared machine hits all of them alike), medians per client. (Many accounts in one
 * process: bench/scale.bench.ts.)
 * `compare.bench.ts` calls it with the real sizes; the smoke test with tiny ones.
 */
import { ClientLauncher, CLIENTS, type ClientName } from './clients.js';
import { median, runOnce, type RunResult, type Sizes } from './measure.js';
import { World } from './world.js';

export interface CompareOptions extends Sizes {
  contacts: number;
  rooms: number;
  roomSize: number;
  syncBatch: number;
  holdMs: number;
  runs: number;
  /** The sandbox keeps JSON connections open (its `keepAlive` switch); default off, like WeChat. */
  keepAlive?: boolean;
  clients?: ClientName[];
  log?: (line: string) => void;
}

export interface ClientSummary {
  client: ClientName;
  runs: number;
  loginReadyMs: number;
  burstWallMs: number;
  perSecond: number;
  cpuMsPerMsg: number;
  /** Median over the runs of each run's median and p90 (ms, sub-millisecond). */
  latencyMedian: number;
  latencyP90: number;
  /** The lowest and highest of the runs' medians: how far one run's median moves. */
  latencyMedianSpread: [number, number];
  /** The lowest and highest of the runs' CPU per echo: how far one run moves on a shared machine. */
  cpuMsPerMsgSpread: [number, number];
  peakRssMiB: number;
  startRssMiB: number;
  /** The sandbox's CPU per echo during this client's bursts. */
  sandboxCpuMsPerMsg: number;
}

export interface CompareResult {
  options: CompareOptions;
  runs: RunResult[];
  summary: Partial<Record<ClientName, ClientSummary>>;
}

const spreadOf = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];

function summarize(client: ClientName, runs: RunResult[]): ClientSummary {
  return {
    client,
    runs: runs.length,
    loginReadyMs: median(runs.map((r) => r.loginReadyMs)),
    burstWallMs: median(runs.map((r) => r.burst.wallMs)),
    perSecond: median(runs.map((r) => r.burst.perSecond)),
    cpuMsPerMsg: median(runs.map((r) => r.burst.cpuMsPerMsg)),
    latencyMedian: median(runs.map((r) => r.latency.median)),
    latencyP90: median(runs.map((r) => r.latency.p90)),
    latencyMedianSpread: spreadOf(runs.map((r) => r.latency.median)),
    cpuMsPerMsgSpread: spreadOf(runs.map((r) => r.burst.cpuMsPerMsg)),
    peakRssMiB: median(runs.map((r) => r.peakRssMiB)),
    startRssMiB: median(runs.map((r) => r.startRssMiB)),
    sandboxCpuMsPerMsg: median(runs.map((r) => r.burst.sandboxCpuMsPerMsg)),
  };
}

/** Run the comparison. */
export async function runCompare(o: CompareOptions): Promise<CompareResult> {
  const log = o.log ?? (() => {});
  const clients = o.clients ?? CLIENTS;
  const runs: RunResult[] = [];
  const world = await World.start({
    contacts: o.contacts,
    rooms: o.rooms,
    roomSize: o.roomSize,
    syncBatch: o.syncBatch,
    holdMs: o.holdMs,
    keepAlive: o.keepAlive ?? false,
  });
  const account = world.account(0);
  const friends = world.senders(account).friends.length;
  const launcher = new ClientLauncher(world.tlsPort, world.caCertPath, { friends, rooms: account.rooms.size });
  try {
    for (let i = 0; i < o.runs; i++) {
      for (const name of clients) {
        const r = await runOnce(world, launcher, name, account, o, `r${i}-${name}`);
        runs.push(r);
        log(
          `  run ${i + 1} ${name.padEnd(8)} login→ready ${r.loginReadyMs} ms, burst ${r.burst.wallMs} ms (${r.burst.perSecond.toFixed(0)}/s, ` +
            `${r.burst.cpuMsPerMsg.toFixed(3)} ms CPU/msg; sandbox ${r.burst.sandboxCpuMsPerMsg.toFixed(3)} ms CPU/msg; ${r.burst.syncs} syncs, ${r.burst.requests} requests), latency median ${r.latency.median.toFixed(2)} ms p90 ${r.latency.p90.toFixed(2)} ms, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
        );
        for (const line of r.stages ?? []) log(line);
      }
    }
  } finally {
    launcher.close();
    await world.close();
  }
  const summary: Partial<Record<ClientName, ClientSummary>> = {};
  for (const name of clients) {
    const mine = runs.filter((r) => r.client === name);
    if (mine.length) summary[name] = summarize(name, mine);
  }
  return { options: o, runs, summary };
}
