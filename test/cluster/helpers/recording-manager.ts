/** The account manager as a coordinator drives it, reduced to what it was told: which accounts to run here, when, and how often. */
import type { AccountManager } from '../../../src/accounts/index.js';

export function recordingManager(): { manager: AccountManager; ranAt: Map<string, number>; counts: { runs: number; releases: number } } {
  const ranAt = new Map<string, number>();
  const counts = { runs: 0, releases: 0 };
  const manager = {
    runHere: async (id: string) => {
      counts.runs++;
      ranAt.set(id, Date.now());
    },
    release: async (id: string) => {
      counts.releases++;
      ranAt.delete(id);
    },
    get: () => undefined,
    list: () => [],
    onEvent: () => () => {},
    placementChanged: () => {},
  } as unknown as AccountManager;
  return { manager, ranAt, counts };
}
