/** Thrown at a write or a send about an account this node no longer holds (another node took it). */
export class FencedOut extends Error {
  override readonly name = 'FencedOut';
  constructor(account: string, why: string) {
    super(`account ${account}: ${why}`);
  }
}
