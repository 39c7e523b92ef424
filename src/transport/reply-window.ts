/**
 * The reply window as the panel and the API show it: for the peer a transport with a window
 * (iLink) answers, whether the bot may write now, until when, and how many sends are left of the
 * quota of the peer's last message. Transports without a window have no view.
 */
import type { Contact } from './model.js';
import type { Capability, TransportKind } from './capabilities.js';

/** What a windowed transport reports per peer (IlinkTransport.replyState). */
export interface PeerWindowState {
  id: string;
  /** When the peer last wrote (ms since the epoch). */
  lastInboundAt: number;
  /** Sends since then. */
  sends: number;
  /** The server refused a send (-2): closed until the peer writes again. */
  closed: boolean;
}

export interface ReplyWindowView {
  /** The peer (iLink: the bound user). */
  user: string;
  open: boolean;
  /** When the window closes (open) or closed (ms since the epoch); absent before the peer's first message. */
  closesAt?: number;
  /** Milliseconds left while open. */
  remainingMs: number;
  /** Sends left of the quota of the peer's last message. */
  quotaLeft: number;
  quota: number;
  /** Why it is closed: 'not-yet' (the peer never wrote), 'expired', 'refused' (WeChat said -2), 'quota'. */
  closedBecause?: 'not-yet' | 'expired' | 'refused' | 'quota';
}

/** What the transport tells about itself for the panel and the API. */
export interface TransportView {
  transport: TransportKind;
  /** The capabilities this transport lacks (the panel hides or disables their controls and says why). */
  lacks: Capability[];
  /** iLink: the WeChat user the bot is bound to. */
  owner?: Contact;
  replyWindow?: ReplyWindowView;
}

/**
 * The window for one peer at `now`.
 *
 * @example replyWindowView({ windowMs: 86_400_000, quotaPerMessage: 10 }, 'u@im.wechat', state, Date.now())
 */
export function replyWindowView(
  rules: { windowMs: number; quotaPerMessage: number },
  user: string,
  state: PeerWindowState | undefined,
  now: number,
): ReplyWindowView {
  const quota = rules.quotaPerMessage;
  if (!state) return { user, open: false, remainingMs: 0, quotaLeft: 0, quota, closedBecause: 'not-yet' };
  const closesAt = state.lastInboundAt + rules.windowMs;
  const remainingMs = Math.max(0, closesAt - now);
  const quotaLeft = Math.max(0, quota - state.sends);
  const closedBecause = state.closed ? 'refused' : remainingMs === 0 ? 'expired' : quotaLeft === 0 ? 'quota' : undefined;
  return {
    user,
    open: closedBecause === undefined,
    closesAt,
    remainingMs: closedBecause === undefined ? remainingMs : 0,
    quotaLeft: closedBecause === undefined ? quotaLeft : 0,
    quota,
    ...(closedBecause && { closedBecause }),
  };
}

/** Peers are the same user whatever the case of their id (iLink hosts lower-case ids, #243). */
export function peerWindowKey(id: string): string {
  return id.toLowerCase();
}
