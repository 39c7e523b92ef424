/**
 * Questions this node sent to the node running an account, waiting for their answers (they come back
 * on the accounts channel, naming the question). The node running the account first says it took the
 * question up, then how it went. A question nobody took up by its `startBy` (its node is busy, paused,
 * leaving or gone) is never taken up (that node drops it when it reads it later), so it fails with
 * "nothing was done"; one taken up but not answered in time fails saying so.
 */
import { randomUUID } from 'node:crypto';
import { HolderSilentError } from '../accounts/account-cluster.js';

/** What came back: taken up, the answer, or why the node could not do it. */
export type Reply = { started: true } | { answer: string } | { error: string };

export interface AskTimes {
  /** The node running the account takes the question up within this long, or not at all. */
  startMs: number;
  /** How long the answer may take once it was taken up. */
  finishMs: number;
}

/** How long a "taken up" may take to come back, past the question's `startBy`. */
const TAKEN_UP_TRIP_MS = 3000;

interface Waiting {
  resolve(answer: string): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
  times: AskTimes;
}

export class PendingAsks {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly now: () => number) {}

  /** Send a question (given its id and the time by which it must be taken up) and wait for its answer. */
  async ask(times: AskTimes, send: (id: string, startBy: number) => Promise<void>): Promise<string> {
    const id = randomUUID();
    const answered = new Promise<string>((resolve, reject) => {
      const timer = this.deadline(id, times.startMs + TAKEN_UP_TRIP_MS, false);
      this.waiting.set(id, { resolve, reject, timer, times });
    });
    try {
      await send(id, this.now() + times.startMs);
    } catch (e) {
      this.fail(id, new HolderSilentError(`the question could not be sent (${e instanceof Error ? e.message : String(e)}); nothing was done`, false));
    }
    return answered;
  }

  /** A reply arrived (one for a question this node no longer waits for is ignored). */
  settle(id: string, reply: Reply): void {
    if ('error' in reply) return this.fail(id, new Error(reply.error));
    const w = this.waiting.get(id);
    if (!w) return;
    clearTimeout(w.timer);
    if ('started' in reply) {
      w.timer = this.deadline(id, w.times.finishMs, true);
      return;
    }
    this.waiting.delete(id);
    w.resolve(reply.answer);
  }

  /** Leaving: nothing will answer here now. */
  close(): void {
    for (const id of [...this.waiting.keys()]) this.fail(id, new HolderSilentError('this node is leaving the cluster', true));
  }

  private deadline(id: string, ms: number, started: boolean): NodeJS.Timeout {
    const s = Math.round(ms / 1000);
    const why = started
      ? `the node running the account took it up but gave no answer within ${s} s`
      : `no node running the account took it up within ${s} s; nothing was done`;
    return setTimeout(() => this.fail(id, new HolderSilentError(why, started)), ms);
  }

  private fail(id: string, e: Error): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    w.reject(e);
  }
}
