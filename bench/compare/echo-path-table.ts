/**
 * Reads the cycles bench/compare/echo-path.cjs wrote (BENCH_ECHO_PATH) and prints, per client and process, the
 * medians of its two hops on a single message's path: check → sync (the held synccheck answered → the webwxsync
 * request written) and sync → send (the webwxsync answer → the echo's webwxsendmsg written), in CPU time of the
 * client's process (comparable on a loaded machine) and in wall time. The first quarter of each process's cycles is
 * left out (the JIT still warming).
 *
 * Run: node --import tsx bench/compare/echo-path-table.ts <file>
 */
import { readFileSync } from 'node:fs';
import { median } from './measure.js';

interface Hop {
  wall: number;
  cpu: number;
}
interface Cycle {
  client: string;
  pid: number;
  checkToSync: Hop;
  syncToSend: Hop;
}

const file = process.argv[2];
if (!file) throw new Error('usage: echo-path-table.ts <file written with BENCH_ECHO_PATH>');
const byProcess = new Map<string, Cycle[]>();
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line) continue;
  const c = JSON.parse(line) as Cycle;
  const key = `${c.client} (pid ${c.pid})`;
  const cycles = byProcess.get(key);
  if (cycles) cycles.push(c);
  else byProcess.set(key, [c]);
}
const ms = (xs: number[]): string => median(xs).toFixed(3);
console.log('client | cycles | check → sync CPU / wall (ms) | sync → send CPU / wall (ms) | both, CPU (ms)');
for (const [key, all] of byProcess) {
  const cycles = all.slice(Math.floor(all.length / 4));
  const hops = (pick: (c: Cycle) => Hop): string => `${ms(cycles.map((c) => pick(c).cpu))} / ${ms(cycles.map((c) => pick(c).wall))}`;
  const both = ms(cycles.map((c) => c.checkToSync.cpu + c.syncToSend.cpu));
  console.log(`${key} | ${cycles.length} | ${hops((c) => c.checkToSync)} | ${hops((c) => c.syncToSend)} | ${both}`);
}
