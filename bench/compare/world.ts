/**
 * The sandbox side of the comparison: one sandbox in TLS mode (the real host names over HTTPS with
 * its test CA), messages injected in-process through the same function the control API calls
 * (so a burst of 2,000 is really one burst, not 2,000 HTTP round trips of the benchmark), and a
 * watch on the sandbox journal that sees every message a client sends the moment the sandbox
 * records it. Times are `performance.now()` of this process (the sandbox's), taken when the journal
 * records the send: sub-millisecond, monotonic, and with no polling error. The journal's own `at`
 * is whole milliseconds, which made a 2 ms latency read 2 or 3 (a ratio of 1.00 or 1.50).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { injectMessage } from '../../src/sandbox/inbound.js';
import type { JournalEntry } from '../../src/sandbox/state.js';
import type { Account } from '../../src/sandbox/world.js';

export interface WorldSize {
  contacts: number;
  rooms: number;
  roomSize: number;
  accounts?: number;
  syncBatch?: number;
  holdMs?: number;
  /** Keep JSON connections open (the sandbox's `keepAlive` switch). */
  keepAlive?: boolean;
}

/** A message to inject: private from a friend, or into a room from one of its members. */
export interface Inject {
  from: string;
  room?: string;
  text: string;
}

export class World {
  /** Called with each outgoing journal entry and the `performance.now()` at which it was recorded. */
  private listeners = new Set<(e: JournalEntry, hrAt: number) => void>();
  private seenQrs = new Set<string>();

  private constructor(
    readonly sb: RunningSandbox,
    private readonly dir: string,
  ) {
    const st = sb.state;
    const record = st.record.bind(st);
    // Observe every journal entry as it is recorded (no polling).
    st.record = (e) => {
      const entry = record(e);
      if (entry.dir === 'out') {
        const hrAt = performance.now();
        for (const l of this.listeners) l(entry, hrAt);
      }
      return entry;
    };
  }

  /**
   * Start the sandbox. Rate limits are off: the sandbox would otherwise answer Ret 1205 to more
   * than 600 sends a minute, and the point here is what each client can do, not WeChat's limits.
   */
  static async start(size: WorldSize): Promise<World> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-compare-'));
    const sb = await startSandbox({
      tlsPort: 0,
      tlsDir: dir,
      accounts: size.accounts ?? 1,
      contacts: size.contacts,
      rooms: size.rooms,
      roomSize: size.roomSize,
      syncBatch: size.syncBatch ?? 100,
      holdMs: size.holdMs ?? 25_000,
      keepAlive: size.keepAlive ?? false,
      rateLimits: false,
    });
    return new World(sb, dir);
  }

  get tlsPort(): number {
    return this.sb.tlsPort!;
  }
  get caCertPath(): string {
    return this.sb.caCertPath!;
  }

  /** The sandbox's running totals (requests, syncs…): a difference around a burst says what the client asked for. */
  counters(): { requests: number; syncs: number } {
    const { requests, syncs } = this.sb.state.counters;
    return { requests, syncs };
  }

  account(index = 0): Account {
    const a = this.sb.state.accounts[index];
    if (!a) throw new Error(`no sandbox account ${index}`);
    return a;
  }

  /** Friends and rooms (with members other than the account) to send from. */
  senders(account: Account): { friends: string[]; rooms: { id: string; members: string[] }[] } {
    const friends = [...account.people.values()].filter((p) => p.kind === 'friend').map((p) => p.id);
    const rooms = [...account.rooms.values()].map((r) => ({ id: r.id, members: r.members.map((m) => m.id).filter((id) => id !== account.id) }));
    return { friends, rooms };
  }

  /** The next QR code a client asked for (one not returned before). */
  async nextQr(timeoutMs: number): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      for (const q of this.sb.state.qrs.values()) {
        if (q.status === 'waiting' && !this.seenQrs.has(q.uuid)) {
          this.seenQrs.add(q.uuid);
          return q.uuid;
        }
      }
      if (Date.now() > end) throw new Error('no new QR code appeared');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Scan the QR as `account` and confirm; answers the time just before the confirm tap. */
  async login(uuid: string, account: Account): Promise<number> {
    await this.sb.control.scan({ uuid, account: account.id });
    const at = Date.now();
    await this.sb.control.confirm({ uuid });
    return at;
  }

  /** End the account's session on the phone (frees it for the next client). */
  async logout(account: Account): Promise<void> {
    if (this.sb.state.active.has(account.id)) await this.sb.control.phoneLogout({ account: account.id });
  }

  /**
   * Inject messages in one synchronous loop (one burst); answers the `performance.now()` taken just
   * before the first one is queued, the clock's start for the latencies `echoes` answers.
   */
  inject(account: Account, list: Inject[]): number {
    const at = performance.now();
    for (const m of list) injectMessage(this.sb.state, { account: account.id, from: m.from, ...(m.room && { room: m.room }), text: m.text });
    return at;
  }

  /**
   * Wait until the account sent every text in `texts` (each once); answers, in the order of
   * `texts`, the `performance.now()` at which the sandbox recorded each (its request read whole).
   */
  echoes(account: Account, texts: string[], timeoutMs: number): { done: Promise<number[]>; cancel: () => void } {
    if (texts.length === 0) return { done: Promise.resolve([]), cancel: () => {} };
    const want = new Map<string, number>();
    texts.forEach((t, i) => want.set(t, i));
    const times: number[] = new Array<number>(texts.length).fill(0);
    let left = texts.length;
    let cancel = (): void => {};
    const done = new Promise<number[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`${left} of ${texts.length} echoes missing after ${timeoutMs} ms (e.g. ${JSON.stringify(texts.find((_, i) => times[i] === 0))})`));
      }, timeoutMs);
      const listener = (e: JournalEntry, hrAt: number): void => {
        if (e.account !== account.id) return;
        const i = want.get(e.text);
        if (i === undefined || times[i]) return;
        times[i] = hrAt;
        if (--left === 0) {
          clearTimeout(timer);
          this.listeners.delete(listener);
          resolve(times);
        }
      };
      cancel = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
    });
    return { done, cancel };
  }

  async close(): Promise<void> {
    await this.sb.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
