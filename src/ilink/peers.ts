/**
 * Per user: the latest `context_token`, when they last wrote, and how many sends went out since
 * (ilink.md §6.2, §8.2–8.3). Keyed by the lower-cased user id (hosts lower-case ids while the wire
 * is mixed case, #243); the raw id is kept for `to_user_id`. A send is allowed only with a token,
 * inside the reply window and under the quota; otherwise it waits for the user to write again.
 */
import { TransportError } from '../transport/errors.js';
import type { ReplyWindow } from '../transport/capabilities.js';

export interface PeerState {
  /** The user id exactly as the wire spells it. */
  id: string;
  contextToken?: string;
  /** `create_time_ms` of the message that brought `contextToken` (absent in sessions saved before it was kept). */
  tokenAt?: number;
  lastInboundAt: number;
  /** Sends since the user's last message (each counts against the quota). */
  sends: number;
  /** The server refused with -2: closed until the user writes again. */
  closed: boolean;
}

export type HoldReason = 'no-token' | 'window-closed' | 'quota';

export function peerKey(id: string): string {
  return id.toLowerCase();
}

function waiting(reason: HoldReason, text: string, code?: number): TransportError {
  const e = new TransportError('waiting-for-user', text, code);
  (e as TransportError & { reason: HoldReason }).reason = reason;
  return e;
}

function ago(ms: number): string {
  const min = Math.floor(ms / 60_000);
  return min >= 60 ? `${Math.floor(min / 60)} h ${min % 60} min` : `${min} min`;
}

/**
 * Whether a message sent at `sentAt` with `contextToken` is newer than the one whose token `peer` holds: sent later, or
 * in the same millisecond with another token (each message the user sends brings a new one; a copy brings the same).
 */
function newerThan(peer: PeerState, sentAt: number, contextToken: string | undefined): boolean {
  if (peer.tokenAt === undefined || sentAt > peer.tokenAt) return true;
  return sentAt === peer.tokenAt && contextToken !== undefined && contextToken !== peer.contextToken;
}

export class Peers {
  private byKey = new Map<string, PeerState>();

  constructor(
    private readonly window: ReplyWindow,
    private readonly now: () => number,
  ) {}

  get(id: string): PeerState | undefined {
    return this.byKey.get(peerKey(id));
  }

  list(): PeerState[] {
    return [...this.byKey.values()];
  }

  /**
   * The user wrote: their newest token, the window opens again and the quota starts over. A message no newer than the
   * one whose token is held (a copy of it the client could not tell from a new one yet, or an older one come late) is
   * not the user writing now: the window, the quota and a refusal stand — for the panel too, not only once the store
   * has said it was a copy (`undoInbound`) — and its token counts only as a copy's would (`onCopy`). `sentAt` is the
   * message's `create_time_ms` (the server's clock, as `tokenAt`); a message without one is taken as new.
   */
  onInbound(id: string, contextToken: string | undefined, at: number, sentAt?: number): PeerState {
    const key = peerKey(id);
    const prev = this.byKey.get(key);
    if (prev && sentAt !== undefined && !newerThan(prev, sentAt, contextToken)) {
      this.onCopy(id, contextToken, sentAt);
      return prev;
    }
    const peer: PeerState = {
      id,
      ...(contextToken !== undefined
        ? { contextToken, tokenAt: sentAt ?? at }
        : prev?.contextToken !== undefined && { contextToken: prev.contextToken, tokenAt: prev.tokenAt }),
      lastInboundAt: Math.max(at, prev?.lastInboundAt ?? 0),
      sends: 0,
      closed: false,
    };
    this.byKey.set(key, peer);
    return peer;
  }

  /**
   * A copy of a message handled before (here or by the account's previous node) still carries the
   * token the server gave it: hold it when that message is the newest we know of, so that sends
   * carry the latest token even when the original's token was never saved (a failover).
   */
  onCopy(id: string, contextToken: string | undefined, sentAt: number | undefined): void {
    const peer = this.get(id);
    if (!peer || contextToken === undefined || sentAt === undefined || contextToken === peer.contextToken) return;
    if (sentAt < (peer.tokenAt ?? peer.lastInboundAt)) return;
    peer.contextToken = contextToken;
    peer.tokenAt = sentAt;
  }

  /**
   * A message taken as new (`onInbound` gave `opened`) was a copy after all: its holder had stored it before (the
   * copy came after our own checks forgot it, e.g. more than a day later, or to a new client before the original's
   * keys were committed). The user did not write: their window and quota go back to what they were before it (the
   * sends made since still count), and the copy's token is kept as `onCopy` would. A newer message since stands.
   */
  undoInbound(before: PeerState | undefined, opened: PeerState): void {
    const key = peerKey(opened.id);
    // Nothing was opened (`onInbound` kept the state as it was); what happened since stands.
    if (opened === before) return;
    if (this.byKey.get(key) !== opened) return;
    // Nothing known of the user before this copy: the token it carried is all there is; keep it.
    if (!before) return;
    this.byKey.set(key, { ...before, sends: before.sends + opened.sends, closed: before.closed || opened.closed });
    this.onCopy(opened.id, opened.contextToken, opened.tokenAt);
  }

  /**
   * Take `n` sends from the user's quota, or throw TransportError('waiting-for-user') saying why
   * the message must wait. A message that needs more sends than one user message allows is
   * refused for good ('invalid'): it could never go out.
   */
  reserve(id: string, n: number): PeerState & { contextToken: string } {
    const { windowMs, quotaPerMessage } = this.window;
    if (n > quotaPerMessage) {
      throw new TransportError('invalid', `iLink: this message needs ${n} sends, more than the ${quotaPerMessage} allowed per user message; shorten it`);
    }
    const peer = this.get(id);
    if (!peer?.contextToken) throw waiting('no-token', 'iLink: the user has not written to the bot yet; the message waits until they do');
    const idle = this.now() - peer.lastInboundAt;
    if (peer.closed || idle >= windowMs) {
      throw waiting('window-closed', `iLink: reply window closed (the user last wrote ${ago(idle)} ago); the message waits until they write again`);
    }
    if (peer.sends + n > quotaPerMessage) {
      throw waiting('quota', `iLink: ${peer.sends} of ${quotaPerMessage} sends used since the user's last message; the message waits until they write again`);
    }
    peer.sends += n;
    return peer as PeerState & { contextToken: string };
  }

  /** Give back sends that certainly did not go out. */
  refund(id: string, n: number): void {
    const peer = this.get(id);
    if (peer) peer.sends = Math.max(0, peer.sends - n);
  }

  /** The server said -2 (window closed or quota used): hold everything for this user. */
  close(id: string): TransportError {
    const peer = this.get(id);
    if (peer) peer.closed = true;
    return waiting(
      'window-closed',
      'iLink: WeChat refused the send (ret -2: reply window closed or quota used); the message waits until the user writes again',
      -2,
    );
  }

  clear(): void {
    this.byKey.clear();
  }

  toJSON(): PeerState[] {
    return this.list().map((p) => ({ ...p }));
  }

  restore(list: unknown): void {
    this.byKey.clear();
    if (!Array.isArray(list)) return;
    for (const p of list as Partial<PeerState>[]) {
      if (typeof p?.id !== 'string' || typeof p.lastInboundAt !== 'number') continue;
      this.byKey.set(peerKey(p.id), {
        id: p.id,
        ...(typeof p.contextToken === 'string' && { contextToken: p.contextToken }),
        ...(typeof p.tokenAt === 'number' && { tokenAt: p.tokenAt }),
        lastInboundAt: p.lastInboundAt,
        sends: typeof p.sends === 'number' ? p.sends : 0,
        closed: p.closed === true,
      });
    }
  }
}

/** Why a 'waiting-for-user' error waits (undefined for other errors). */
export function holdReason(e: unknown): HoldReason | undefined {
  return e instanceof TransportError && e.kind === 'waiting-for-user' ? (e as TransportError & { reason?: HoldReason }).reason : undefined;
}
