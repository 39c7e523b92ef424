/**
 * A ceiling on V8's young generation in the running server (issue 17). When much of what is
 * allocated survives a scavenge, as in an echo burst, V8 doubles each semi-space up to 16 MiB (32
 * MiB of RSS for the new space) and keeps it. `--max-semi-space-size` would cap that, but the server
 * is launched as `node bin/weiroto.js start` (npm, systemd, supervisord, Docker), and once the heap is
 * configured that flag no longer changes anything. What V8 reads each time it grows the new space is
 * `--semi-space-growth-factor`: so after each collection growth is switched off near the
 * ceiling, and on again once V8 has shrunk the space. A flag given on the
 * command line or in NODE_OPTIONS is the operator's choice and wins.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { flagGivenByOperator } from './node-flags.js';

/**
 * 4 MiB: in the comparison benchmark (keep-alive, weiroto alone, 3 runs each of --max-semi-space-size
 * 1, 2, 4, 8 and 16) 2 and 4 gave the lowest peak RSS (about 120-127 MiB against 145) at the same CPU
 * per echo; 1 promoted so much that the old space made up for it. Stop 31 tried 8-MiB semi-spaces once started (a
 * 4-MiB ceiling while loading keeps RSS at rest): the keep-alive burst's GC time fell by about 100 ms of 250 (45 → 11
 * scavenges, fewer promoted), but the peak RSS of both comparison benches rose 105 → 119 MiB, and issue 17 lets no
 * figure of the connection-closing bench get worse: not adopted.
 */
export const SEMI_SPACE_CEILING_MIB = 4;

/** V8's default growth factor, restored below the ceiling. */
const GROWTH_FACTOR = 2;

/** The flags by which an operator sizes the young generation (then the ceiling stays off). */
export const YOUNG_GENERATION_FLAGS = ['max-semi-space-size', 'min-semi-space-size', 'semi-space-growth-factor'];

/** The size of one semi-space now, in bytes (the new space's committed size is two of them). */
function semiSpaceBytes(): number {
  return (getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0) / 2;
}

/**
 * Keep each semi-space at or under `ceilingMiB` for the rest of the process's life.
 *
 * @example capYoungGeneration(); // in `weiroto start`, before the server loads
 */
export function capYoungGeneration(ceilingMiB = SEMI_SPACE_CEILING_MIB): void {
  if (flagGivenByOperator(YOUNG_GENERATION_FLAGS, process.execArgv, process.env.NODE_OPTIONS)) return;
  const ceiling = ceilingMiB * 1048576;
  let growthOff = false;
  const check = (): void => {
    // Collections are reported after the fact (a turn of the event loop or two later), so V8 may
    // double the space once more before this runs: growth stays on only while two doublings fit.
    const off = semiSpaceBytes() * GROWTH_FACTOR * GROWTH_FACTOR > ceiling;
    if (off === growthOff) return;
    growthOff = off;
    setFlagsFromString(`--semi-space-growth-factor=${off ? 1 : GROWTH_FACTOR}`);
  };
  new PerformanceObserver(check).observe({ entryTypes: ['gc'] });
  check();
}
