/**
 * Typed client for the iLink control API (design.md §4), for tests and benchmarks.
 *
 * @example
 *   const il = new IlinkControl('http://127.0.0.1:5701');
 *   await il.confirm();                       // the owner scans and confirms the newest QR
 *   const { messageId } = await il.sendMessage({ text: 'hi' });
 *   const reply = await il.waitForSent((m) => m.decision === 'delivered');
 */
import { callControl, SandboxControlError } from '../control-client.js';
import type { CallRecord, ChatLine, IlinkUser, ItemView, SentEntry } from './model.js';
import type { IlinkSwitches } from './options.js';
import type { IlinkFaultKind } from './state.js';
import type { InboundInput } from './inbound.js';

export type { CallRecord, ChatLine, IlinkSwitches, IlinkFaultKind, InboundInput, ItemView, SentEntry };

export interface IlinkQrView {
  qrcode: string;
  status: string;
  user: string | null;
  verifyCode: string | null;
  wrongCodes: number;
  expiresAt: number;
  bot: string | null;
  redirectTold: boolean;
}

export interface IlinkBotView {
  id: string;
  user: string;
  token: string;
  alive: boolean;
  death: { reason: string; at: number } | null;
  notify: 'started' | 'stopped' | null;
  lastPollAt: number | null;
  heldPolls: number;
  queued: number;
  typing: boolean;
  reachable: boolean;
  window: { open: boolean; lastInboundAt: number | null; closesAt: number | null; sendsSinceInbound: number; quota: number; left: number };
  contextToken: string | null;
}

export interface IlinkStateView {
  now: number;
  offsetMs: number;
  users: (Pick<IlinkUser, 'id' | 'nickname'> & { bot: string | null })[];
  bots: IlinkBotView[];
  qrcodes: IlinkQrView[];
  counters: Record<string, number>;
  lastHeaders: Record<string, unknown>;
  faults: { kind: string; remaining: number; endpoint: string | null }[];
  switches: IlinkSwitches;
}

export class IlinkControl {
  constructor(readonly origin: string) {}

  private call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return callControl(`${this.origin}/sandbox/api/ilink${path}`, method, method === 'POST' ? (body ?? {}) : undefined);
  }

  state(): Promise<IlinkStateView> {
    return this.call('GET', '/state');
  }

  /** The owner scans the newest (or given) QR; `verify` makes the phone show a verify code. */
  scan(o: { qrcode?: string; user?: string; verify?: boolean } = {}): Promise<IlinkQrView> {
    return this.call('POST', '/qr/scan', o);
  }

  /** The owner confirms (scanning first when needed). */
  confirm(o: { qrcode?: string; user?: string } = {}): Promise<IlinkQrView> {
    return this.call('POST', '/qr/confirm', o);
  }

  cancel(o: { qrcode?: string } = {}): Promise<IlinkQrView> {
    return this.call('POST', '/qr/cancel', o);
  }

  /** The owner writes to the bot; `messageId` is the wire `message_id` as digits (null if dropped). */
  sendMessage(m: InboundInput): Promise<{ messageId: string | null; seq?: number; bot?: string }> {
    return this.call('POST', '/messages', m);
  }

  /** Every send request after `since`, delivered or refused. */
  sent(since = 0): Promise<{ messages: SentEntry[]; next: number }> {
    return this.call('GET', `/sent?since=${since}`);
  }

  /** Wait until a send matching `pred` was made (polls `sent`). */
  async waitForSent(pred: (m: SentEntry) => boolean, o: { since?: number; timeoutMs?: number } = {}): Promise<SentEntry> {
    const deadline = Date.now() + (o.timeoutMs ?? 10_000);
    let since = o.since ?? 0;
    for (;;) {
      const r = await this.sent(since);
      const hit = r.messages.find(pred);
      if (hit) return hit;
      since = r.next;
      if (Date.now() > deadline) throw new Error('timed out waiting for an iLink send');
      await new Promise((res) => setTimeout(res, 25));
    }
  }

  chat(o: { since?: number; user?: string } = {}): Promise<{ lines: ChatLine[]; next: number }> {
    const q = new URLSearchParams({ since: String(o.since ?? 0), ...(o.user ? { user: o.user } : {}) });
    return this.call('GET', `/chat?${q.toString()}`);
  }

  calls(since = 0): Promise<{ calls: CallRecord[]; next: number }> {
    return this.call('GET', `/calls?since=${since}`);
  }

  /** Inject a fault (`stale-14` and `late-redelivery` act at once). */
  fault(f: {
    kind: IlinkFaultKind;
    count?: number;
    endpoint?: string;
    ms?: number;
    user?: string;
  }): Promise<{ ok: boolean; pending?: number; bot?: string; redelivered?: number }> {
    return this.call('POST', '/faults', f);
  }

  /** Move the iLink clock forward (reply window, QR expiry, tickets). */
  advanceClock(advanceMs: number): Promise<{ now: number; offsetMs: number }> {
    return this.call('POST', '/clock', { advanceMs });
  }

  setSwitches(s: Partial<IlinkSwitches>): Promise<IlinkSwitches> {
    return this.call('POST', '/switches', s);
  }

  /** The owner binds the bot elsewhere: the token dies after `delayMs` (default rebindDelayMs). */
  rebind(o: { user?: string; delayMs?: number } = {}): Promise<{ ok: boolean; bot: string }> {
    return this.call('POST', '/rebind', o);
  }

  revoke(o: { user?: string; bot?: string } = {}): Promise<{ ok: boolean; bot: string }> {
    return this.call('POST', '/revoke', o);
  }

  /** Decrypted bytes of a CDN object (the `media` link of an item view). */
  async media(link: string): Promise<Buffer> {
    const res = await fetch(`${this.origin}${link}`);
    if (!res.ok) throw new SandboxControlError(res.status, await res.text());
    return Buffer.from(await res.arrayBuffer());
  }
}
