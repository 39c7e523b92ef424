/**
 * "typing…" (ilink.md §6.6): a `typing_ticket` per user from `getconfig` (cached; a failure is
 * retried after 2 s, doubling to 1 h), then `sendtyping` status 1 (typing) or 2 (cancel). While
 * typing is on it is refreshed every 5 s, and it stops by itself after a minute so that a plugin
 * that never turns it off cannot leave it on for good. Errors are logged, never thrown at a reply.
 */
import type { Logger } from '../logger.js';
import type { Clock } from '../util/clock.js';
import { answerCode, type IlinkHttp } from './http.js';
import { peerKey, type Peers } from './peers.js';
import type { WireConfig, WireStatus } from './wire.js';

const TICKET_TTL_MS = 12 * 3_600_000;
const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 3_600_000;
export const TYPING_REFRESH_MS = 5_000;
const TYPING_MAX_MS = 60_000;

interface Ticket {
  ticket?: string;
  at: number;
  /** After a failure: not before this time, and the next wait. */
  retryAt?: number;
  retryMs?: number;
}

export class Typing {
  private tickets = new Map<string, Ticket>();
  private active = new Map<string, AbortController>();

  constructor(
    private readonly d: {
      http: IlinkHttp;
      base: () => string;
      peers: Peers;
      clock: Clock;
      log: Logger;
      timeoutMs: number;
      signal: () => AbortSignal | undefined;
    },
  ) {}

  async set(userId: string, on: boolean): Promise<void> {
    const key = peerKey(userId);
    this.active.get(key)?.abort();
    this.active.delete(key);
    const ticket = await this.ticket(userId);
    if (!ticket) return;
    await this.send(userId, ticket, on ? 1 : 2);
    if (!on) return;
    const stop = new AbortController();
    this.active.set(key, stop);
    void this.keepAlive(userId, ticket, stop);
  }

  /** Forget tickets and stop every refresh (logout, stop). */
  clear(): void {
    for (const a of this.active.values()) a.abort();
    this.active.clear();
    this.tickets.clear();
  }

  private async keepAlive(userId: string, ticket: string, stop: AbortController): Promise<void> {
    const until = this.d.clock.now() + TYPING_MAX_MS;
    const outer = this.d.signal();
    const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
    try {
      while (this.d.clock.now() + TYPING_REFRESH_MS < until) {
        await this.d.clock.sleep(TYPING_REFRESH_MS, signal);
        await this.send(userId, ticket, 1);
      }
      await this.d.clock.sleep(Math.max(0, until - this.d.clock.now()), signal);
      await this.send(userId, ticket, 2);
    } catch {
      // Stopped: by set(), logout or stop.
    } finally {
      if (this.active.get(peerKey(userId)) === stop) this.active.delete(peerKey(userId));
    }
  }

  private async ticket(userId: string): Promise<string | undefined> {
    const key = peerKey(userId);
    const now = this.d.clock.now();
    const t = this.tickets.get(key);
    if (t?.ticket && now - t.at < TICKET_TTL_MS) return t.ticket;
    if (t?.retryAt !== undefined && now < t.retryAt) return undefined;
    const peer = this.d.peers.get(userId);
    const signal = this.d.signal();
    try {
      const ans = await this.d.http.post<WireConfig>(
        this.d.base(),
        'ilink/bot/getconfig',
        { ilink_user_id: peer?.id ?? userId, ...(peer?.contextToken && { context_token: peer.contextToken }) },
        { timeoutMs: this.d.timeoutMs, ...(signal && { signal }) },
      );
      const body = ans.empty ? undefined : ans.body;
      if (body && answerCode(body) === 0 && body.typing_ticket) {
        this.tickets.set(key, { ticket: body.typing_ticket, at: now });
        return body.typing_ticket;
      }
      this.failed(key, now, t, `ret ${body ? answerCode(body) : 'empty'}`);
    } catch (e) {
      this.failed(key, now, t, (e as Error).message);
    }
    return undefined;
  }

  private failed(key: string, now: number, prev: Ticket | undefined, why: string): void {
    const retryMs = Math.min(RETRY_MAX_MS, prev?.retryMs ? prev.retryMs * 2 : RETRY_MIN_MS);
    this.tickets.set(key, { at: now, retryAt: now + retryMs, retryMs });
    this.d.log.debug({ why, retryMs }, 'ilink: no typing ticket');
  }

  private async send(userId: string, ticket: string, status: 1 | 2): Promise<void> {
    const signal = this.d.signal();
    const peer = this.d.peers.get(userId);
    try {
      await this.d.http.post<WireStatus>(
        this.d.base(),
        'ilink/bot/sendtyping',
        { ilink_user_id: peer?.id ?? userId, typing_ticket: ticket, status },
        { timeoutMs: this.d.timeoutMs, ...(signal && { signal }) },
      );
    } catch (e) {
      this.d.log.debug({ err: e }, 'ilink: sendtyping failed');
    }
  }
}
