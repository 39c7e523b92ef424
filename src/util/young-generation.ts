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
 * 16 MiB once the server has started, which stops growth at 8 (see the check below). What an echo burst's scavenges
 * copy is what is in flight (a sync's batch of 100 messages on its way through the store, the pipeline and the sends),
 * about the same at every scavenge: the larger the space, the fewer the scavenges and the fewer objects outlive two of
 * them and are promoted (then marked by the full collections). Stop 31, keep-alive comparison, the burst's GC time
 * (main thread and V8's helper threads, --trace-gc-nvp), 3 interleaved runs each: 8 MiB semi-spaces (11 scavenges)
 * with the old-generation growth of 50 % 113–177 ms against 247–337 ms for 2 MiB (45 scavenges) with 30 %; promoted
 * 2.9 → 2.2 KB per echo; client CPU per echo 0.585–0.645 → 0.455–0.625 ms; peak RSS +13 MiB (105 → 117–119). The
 * old ceiling of 4 (growth stopped at 2) weighed the burst's peak RSS, which now has room under its target.
 */
export const SEMI_SPACE_CEILING_MIB = 16;

/** V8's default growth factor, restored below the ceiling. */
const GROWTH_FACTOR = 2;

/** The flags by which an operator sizes the young generation (then the ceiling stays off). */
export const YOUNG_GENERATION_FLAGS = ['max-semi-space-size', 'min-semi-space-size', 'semi-space-growth-factor'];

/** The size of one semi-space now, in bytes (the new space's committed size is two of them). */
function semiSpaceBytes(): number {
  return (getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0) / 2;
}

/** The ceiling while the server loads and starts: what loading grows stays at rest (see START_UP_SEMI_SPACE_MIB). */
export interface YoungGenerationCeiling {
  /** A new ceiling from the next collection on (a lower one takes effect once V8 shrinks the space). */
  set(ceilingMiB: number): void;
}

/**
 * 4 MiB (growth stops at 2) while the server loads its modules and starts its accounts: loading keeps most of what it
 * allocates, and V8 would double the space at each scavenge up to the ceiling, which a server waiting for a QR scan
 * then keeps (RSS before login 66 → 69 MiB, and 72 → 80 when the QR shows, with 16 from the start; its target is 70).
 * `weiroto start` raises it to SEMI_SPACE_CEILING_MIB once started: an echo burst then grows the space, rest does not.
 */
export const START_UP_SEMI_SPACE_MIB = 4;

/**
 * Keep each semi-space at or under a ceiling, `ceilingMiB` to begin with, for the rest of the process's life.
 *
 * @example const young = capYoungGeneration(START_UP_SEMI_SPACE_MIB); // in `weiroto start`, before the server loads
 *   …; young.set(SEMI_SPACE_CEILING_MIB); // once started
 */
export function capYoungGeneration(ceilingMiB = SEMI_SPACE_CEILING_MIB): YoungGenerationCeiling {
  if (flagGivenByOperator(YOUNG_GENERATION_FLAGS, process.execArgv, process.env.NODE_OPTIONS)) return { set: () => {} };
  let ceiling = ceilingMiB * 1048576;
  let growthOff: boolean | undefined;
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
  return {
    set(mib) {
      ceiling = mib * 1048576;
      check();
    },
  };
}
