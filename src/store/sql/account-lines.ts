/**
 * A node's lines for its accounts' calls on PostgreSQL: a few `Serial` lines, each account kept on one of them for
 * the life of the process. One account's calls run in the order they were made (as on SQLite: its chat's sends are
 * queued in the order asked for, a row it reads after its own write sees it); different accounts' calls run side by
 * side on separate connections, so an account's session save at a handover waits behind that account's own writes
 * only, not behind every message the node is storing.
 *
 * Few lines, not one per account: each line holds at most one pooled connection, and the connections left over
 * serve the calls that must never queue behind the accounts (credentials, fence raises, readiness).
 */
import { Serial } from './serial.js';

export class AccountLines {
  private readonly lines: Serial[];
  /** Accounts on each line, to put a new account on the least used one. */
  private readonly load: number[];
  private readonly lineOf = new Map<string, number>();

  constructor(count: number) {
    this.lines = Array.from({ length: Math.max(1, count) }, () => new Serial());
    this.load = this.lines.map(() => 0);
  }

  /** The account's line: the same one every time it is asked for in this process. */
  of(account: string): Serial {
    let at = this.lineOf.get(account);
    if (at === undefined) {
      at = this.load.indexOf(Math.min(...this.load));
      this.load[at]!++;
      this.lineOf.set(account, at);
    }
    return this.lines[at]!;
  }

  /**
   * The account is gone from this node for good (removed): its place on its line is given up, so that the map does
   * not keep every account the process ever served and a new account goes to the line that is really least used.
   * Only for an account that makes no more calls: one made later would be placed afresh, maybe on another line, and
   * not ordered after those still queued on this one.
   */
  forget(account: string): void {
    const at = this.lineOf.get(account);
    if (at === undefined) return;
    this.lineOf.delete(account);
    this.load[at]!--;
  }

  /** Accounts that have a line. */
  get size(): number {
    return this.lineOf.size;
  }
}
