/**
 * The scheduling of one account's incoming messages: each chat is a lane whose messages run one at
 * a time in arrival order (so a plugin sees a conversation in order and its per-chat state cannot
 * race), while different chats run side by side — at most `limit` chats at once, the others
 * waiting their turn in the order they became ready. A slow plugin therefore delays only its own chat.
 */
/** Finished tasks a lane keeps at its head before they are cut off. */
const COMPACT_AT = 1024;

export class ChatLanes {
  /** Work waiting per chat; a chat is present while it has work queued or running. */
  private readonly lanes = new Map<string, (() => Promise<void>)[]>();
  /** Chats with work queued but no free slot, oldest first. */
  private readonly ready: string[] = [];
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`ChatLanes: limit must be a positive integer, got ${limit}`);
  }

  /** Chats being worked on now. */
  get active(): number {
    return this.running;
  }

  /**
   * Queue `task` behind the earlier work of `chat`. A task that throws is the caller's to report:
   * catch inside it; a rejection here is swallowed so that the lane keeps going.
   *
   * @example
   *   lanes.push(m.chatId, () => host.handle(m).then(record));
   */
  push(chat: string, task: () => Promise<void>): void {
    const lane = this.lanes.get(chat);
    if (lane) {
      lane.push(task);
      return;
    }
    this.lanes.set(chat, [task]);
    if (this.running < this.limit) this.start(chat);
    else this.ready.push(chat);
  }

  /** Resolve when every queued task has finished (tests, shutdown). */
  idle(): Promise<void> {
    if (this.lanes.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private start(chat: string): void {
    this.running++;
    void this.drain(chat);
  }

  private async drain(chat: string): Promise<void> {
    const lane = this.lanes.get(chat)!;
    // Read by index, not shift(): a long lane (a burst from one chat) would be copied at every step.
    // The finished head is cut off now and then, so a chat that never falls quiet does not grow it.
    for (let next = 0; next < lane.length; next++) {
      if (next === COMPACT_AT) {
        lane.splice(0, next);
        next = 0;
      }
      const task = lane[next]!;
      try {
        await task();
      } catch {
        // The task reports its own failures (see push); the chat's next message still runs.
      }
    }
    this.lanes.delete(chat);
    this.running--;
    const next = this.ready.shift();
    if (next !== undefined) this.start(next);
    else if (this.lanes.size === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }
}
