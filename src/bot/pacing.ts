/**
 * Outbound pacing: how fast one account may send. WeChat answers bursts with Ret 1205 (frequency
 * control) and its risk control escalates repeated bursts into forced logouts and login bans
 * (protocol.md §10, failure 10). A human rarely sends more than one message every few seconds, so
 * the `safe` profile keeps an account inside that envelope:
 *
 * | limit | value | why |
 * |---|---|---|
 * | global bucket | burst 5, then 1 per 3 s (20/min) | a short answer burst is normal; a sustained stream above ~20/min is not human |
 * | per-chat bucket | burst 3, then 1 per 6 s (10/min) | flooding one chat is what recipients report |
 * | jitter | 0.5–2 s random extra before each send | fixed intervals look scripted |
 * | daily cap | 1000 sends per UTC day | reports of 1205/forced logout cluster at "thousands per day"; rows past the cap wait for tomorrow |
 *
 * `off` disables all of it (sandbox, tests, benchmarks). Everything runs on the injected Clock.
 */
import type { Clock } from '../util/clock.js';
import { TokenBucket } from '../util/token-bucket.js';

export interface PacingProfile {
  global: { burst: number; intervalMs: number };
  perChat: { burst: number; intervalMs: number };
  jitterMs: [number, number];
  dailyCap: number;
}

export const SAFE_PACING: PacingProfile = {
  global: { burst: 5, intervalMs: 3000 },
  perChat: { burst: 3, intervalMs: 6000 },
  jitterMs: [500, 2000],
  dailyCap: 1000,
};

const DAY_MS = 86_400_000;

/** The pacing state of one account. `null` profile = no pacing. */
export class Pacer {
  private global: TokenBucket | undefined;
  private chats = new Map<string, TokenBucket>();
  private day = -1;
  private sentToday = 0;

  constructor(
    private readonly profile: PacingProfile | null,
    private readonly clock: Clock,
    /** Sends already made today (from the database after a restart). */
    sentToday = 0,
  ) {
    const now = clock.now();
    if (profile) this.global = new TokenBucket(profile.global.burst, profile.global.intervalMs, now);
    this.day = Math.floor(now / DAY_MS);
    this.sentToday = sentToday;
  }

  get enabled(): boolean {
    return this.profile !== null;
  }

  /** Milliseconds to wait before a send to `chatId` may go (0 = now). Does not consume. */
  delay(chatId: string): number {
    const p = this.profile;
    if (!p) return 0;
    const now = this.clock.now();
    const today = Math.floor(now / DAY_MS);
    if (today !== this.day) {
      this.day = today;
      this.sentToday = 0;
    }
    if (this.sentToday >= p.dailyCap) return (today + 1) * DAY_MS - now;
    const chat = this.chats.get(chatId);
    return Math.max(this.global!.wait(now), chat ? chat.wait(now) : 0);
  }

  /** A random extra pause before a send (0 when pacing is off). */
  jitter(): number {
    const p = this.profile;
    if (!p) return 0;
    const [lo, hi] = p.jitterMs;
    return Math.round(lo + this.clock.random() * (hi - lo));
  }

  /** Record a send to `chatId` (consumes a token from both buckets and counts toward the daily cap). */
  consume(chatId: string): void {
    const p = this.profile;
    if (!p) return;
    const now = this.clock.now();
    this.global!.take(now);
    let chat = this.chats.get(chatId);
    if (!chat) {
      if (this.chats.size > 2000) for (const [id, b] of this.chats) if (b.full(now)) this.chats.delete(id);
      chat = new TokenBucket(p.perChat.burst, p.perChat.intervalMs, now);
      this.chats.set(chatId, chat);
    }
    chat.take(now);
    this.sentToday++;
  }

  /** Sends already made today, read from the database when the queue starts after a restart. */
  restoreSentToday(n: number): void {
    this.sentToday = Math.max(this.sentToday, n);
  }

  get todayCount(): number {
    return this.sentToday;
  }
}
