/** The account manager as a coordinator drives it, reduced to what it was told: which accounts to run here, and when. */
import type { AccountManager } from '../../../src/accounts/index.js';

export function recordingManager(): { manager: AccountManager; ranAt: Map<string, number> } {
  const ranAt = new Map<string, number>();
  const manager = {
    runHere: async (id: string) => void ranAt.set(id, Date.now()),
    release: async (id: string) => void ranAt.delete(id),
    get: () => undefined,
    list: () => [],
    onEvent: () => () => {},
    placementChanged: () => {},
  } as unknown as AccountManager;
  return { manager, ranAt };
}
