/**
 * Fence raises asked for at about the same time (the accounts one round takes, whose leases Redis
 * granted together) go to the store as one transaction of one statement. On PostgreSQL a node's
 * store calls run one after another, so a takeover of 15 accounts paid 15 transactions of four round
 * trips each, in line behind the node's other writes, before the first account could start.
 */
import type { FencesRepo } from '../store/index.js';

interface Asked {
  account: string;
  token: number;
  resolve(standing: number): void;
  reject(e: unknown): void;
}

export class FenceRaises {
  private asked: Asked[] = [];

  constructor(
    private readonly fences: Pick<FencesRepo, 'raiseAll'>,
    /** How long a batch waits for a row locked by a write of the previous holder before it fails (PostgreSQL's lock_timeout). */
    private readonly lockTimeoutMs: number,
  ) {}

  /**
   * Raise the account's fence to `token` together with the raises asked for in the same turn of the
   * event loop; resolves with the fence that now stands. A batch that fails (a lock timeout on any of
   * its rows) fails every raise in it: each caller handles that as it would its own raise failing.
   */
  raise(account: string, token: number): Promise<number> {
    return new Promise((resolve, reject) => {
      // Collected until the I/O callbacks of this turn have run: Redis answers a round's acquires in one read.
      if (this.asked.length === 0) setImmediate(() => void this.flush());
      this.asked.push({ account, token, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.asked;
    this.asked = [];
    try {
      const standing = await this.fences.raiseAll(
        batch.map(({ account, token }) => ({ account, token })),
        this.lockTimeoutMs,
      );
      for (const a of batch) a.resolve(standing[a.account]!);
    } catch (e) {
      for (const a of batch) a.reject(e);
    }
  }
}
