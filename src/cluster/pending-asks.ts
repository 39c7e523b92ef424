/**
 * Questions this node sent to the node running an account, waiting for their answers (they come back
 * on the accounts channel, naming the question). Each has a deadline: a question nobody answers in
 * time (its node is busy, leaving or gone) fails with `HolderSilentError`, and its late answer is
 * dropped.
 */
import { randomUUID } from 'node:crypto';
import { HolderSilentError } from '../accounts/account-cluster.js';

/** What came back: the answer, or why the holder could not do it. */
export type Reply = { answer: string } | { error: string };

interface Waiting {
  resolve(answer: string): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class PendingAsks {
  private readonly waiting = new Map<string, Waiting>();

  /** Send a question (given its id) and wait up to `timeoutMs` for its answer. */
  async ask(timeoutMs: number, send: (id: string) => Promise<void>): Promise<string> {
    const id = randomUUID();
    const answered = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new HolderSilentError(`the node running the account did not answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
    });
    try {
      await send(id);
    } catch (e) {
      this.fail(id, new HolderSilentError(`the question could not be sent (${e instanceof Error ? e.message : String(e)})`));
    }
    return answered;
  }

  /** An answer arrived (one for a question this node no longer waits for is ignored). */
  settle(id: string, reply: Reply): void {
    if ('error' in reply) return this.fail(id, new Error(reply.error));
    const w = this.take(id);
    w?.resolve(reply.answer);
  }

  /** Leaving: nothing will answer now. */
  close(): void {
    for (const id of [...this.waiting.keys()]) this.fail(id, new HolderSilentError('this node is leaving the cluster'));
  }

  private fail(id: string, e: Error): void {
    this.take(id)?.reject(e);
  }

  private take(id: string): Waiting | undefined {
    const w = this.waiting.get(id);
    if (!w) return undefined;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    return w;
  }
}
