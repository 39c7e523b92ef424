/**
 * Thrown at a write or a send about an account this node no longer holds (another node took it, or
 * this node handed it over). Here, below every layer that writes, so that a writer can tell such a
 * refusal from a failure: the cluster (src/cluster/fenced-store.ts) throws it, the bot logs it quietly.
 */
export class FencedOut extends Error {
  override readonly name = 'FencedOut';
  constructor(account: string, why: string) {
    super(`account ${account}: ${why}`);
  }
}
