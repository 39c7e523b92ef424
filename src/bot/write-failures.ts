/**
 * How an account's failed background write is logged (its directory, its events, its decision traces).
 * A write refused because this node no longer holds the account (`FencedOut`: it was handed over, or
 * its lease was lost) is no fault: the node that holds it now writes its rows. That is said once, at
 * info level, and each write left to that node at debug, until the account runs here again. Any other
 * failure is an error.
 */
import type { Logger } from 'pino';
import { FencedOut } from '../store/index.js';

export class WriteFailures {
  private handedOver = false;

  constructor(private readonly log: Logger) {}

  /** The account runs here again (it came online): a later handover is said again. */
  runsHere(): void {
    this.handedOver = false;
  }

  /** @param what the write, as "could not …" / "did not …" end it: "store the directory" */
  failed(e: unknown, what: string): void {
    if (!(e instanceof FencedOut)) return void this.log.error({ err: e }, `could not ${what}`);
    if (this.handedOver) return void this.log.debug({ reason: e.message }, `did not ${what}: the account was handed over`);
    this.handedOver = true;
    this.log.info(
      { reason: e.message },
      `did not ${what}: the account was handed over to another node, which writes its rows from now on (its later refused writes are logged at debug level)`,
    );
  }
}
