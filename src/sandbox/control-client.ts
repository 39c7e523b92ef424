/**
 * Typed client for the sandbox control API (design.md), bound to a sandbox origin.
 *
 * @example
 *   const control = new SandboxControl('http://127.0.0.1:5701');
 *   await control.scan();
 *   await control.confirm();
 *   await control.sendMessage({ from: 'Alice Smith', text: 'hi' });
 */
import type { LoginWindow } from './login-windows.js';

export type { LoginWindow };

export interface SentMessage {
  seq: number;
  account: string;
  to: string;
  toName: string;
  type: string;
  text: string;
  msgId: string;
  at: number;
  fileName?: string;
  media?: string;
}

export interface JournalEntryView {
  seq: number;
  at: number;
  account: string;
  dir: 'in' | 'out' | 'event';
  chat: string;
  chatName: string;
  from: string;
  fromName: string;
  type: string;
  text: string;
  msgId: string;
  fileName?: string;
  media?: string;
}

export interface SandboxStateView {
  accounts: {
    id: string;
    index: number;
    nickname: string;
    uin: number;
    family: string;
    state: 'online' | 'offline';
    queued: number;
    friendCount: number;
    roomCount: number;
    friends: { id: string; nickname: string; kind: string }[];
    rooms: { id: string; topic: string; owner: string; members: { id: string; nickname: string; displayName: string }[] }[];
  }[];
  qrcodes: { uuid: string; status: string; account: string | null; createdAt: number }[];
  counters: Record<string, number>;
}

export interface QrResult {
  uuid: string;
  status: string;
  account?: string;
}

export type FaultKind = 'logout-1100' | 'logout-1101' | 'logout-1102' | 'http-500' | 'timeout' | 'reset' | 'garbage' | 'ret-1205' | 'slow';

export interface InjectMessage {
  account?: string;
  from: string;
  room?: string;
  type?: 'text' | 'image' | 'voice' | 'video' | 'file' | 'emoticon' | 'link' | 'location' | 'card' | 'friend-request' | 'system' | 'recall';
  text?: string;
  data?: string;
  fileName?: string;
  url?: string;
  lat?: number;
  lng?: number;
  card?: string;
  store?: boolean;
  msgId?: string;
}

/** An error answered by the control API, with its HTTP status. */
export class SandboxControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxControlError';
  }
}

/** One control API call: JSON in and out; a non-2xx answer becomes a SandboxControlError. */
export async function callControl<T>(url: string, method: 'GET' | 'POST', body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    // POSTs are always JSON (the control API refuses anything else, see control-guard.ts).
    ...(method === 'POST' && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new SandboxControlError(res.status, `sandbox answered non-JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const msg = (json as { error?: { message?: string } }).error?.message ?? res.statusText;
    throw new SandboxControlError(res.status, msg);
  }
  return json as T;
}

export class SandboxControl {
  constructor(readonly origin: string) {}

  private call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return callControl(`${this.origin}/sandbox/api${path}`, method, body);
  }

  /** Accounts (or only `account`), QR codes and counters (`full` = lists not cut). */
  state(full = false, account?: string): Promise<SandboxStateView> {
    const q = new URLSearchParams();
    if (full) q.set('full', '1');
    if (account) q.set('account', account);
    return this.call('GET', `/state${q.size ? `?${q.toString()}` : ''}`);
  }

  /** The phone scans the newest (or the given) QR, optionally as a given account. */
  scan(o: { uuid?: string; account?: string } = {}): Promise<QrResult> {
    return this.call('POST', '/qr/scan', o);
  }

  confirm(o: { uuid?: string } = {}): Promise<QrResult> {
    return this.call('POST', '/qr/confirm', o);
  }

  cancel(o: { uuid?: string } = {}): Promise<QrResult> {
    return this.call('POST', '/qr/cancel', o);
  }

  /** The newest (or the given) waiting or scanned QR expires now; held login polls answer 400. */
  expire(o: { uuid?: string } = {}): Promise<QrResult> {
    return this.call('POST', '/qr/expire', o);
  }

  /** A contact (or a member of `room`) sends a message to the account. */
  sendMessage(m: InjectMessage): Promise<{ msgId: string }> {
    return this.call('POST', '/messages', m);
  }

  /** What the account's client sent (`since` = a seq from an earlier answer). */
  sent(o: { account?: string; since?: number } = {}): Promise<{ messages: SentMessage[]; next: number }> {
    const q = new URLSearchParams();
    if (o.account) q.set('account', o.account);
    if (o.since !== undefined) q.set('since', String(o.since));
    return this.call('GET', `/sent?${q.toString()}`);
  }

  /** Everything that happened (in, out, events). */
  journal(o: { account?: string; since?: number } = {}): Promise<{ entries: JournalEntryView[]; next: number }> {
    const q = new URLSearchParams();
    if (o.account) q.set('account', o.account);
    if (o.since !== undefined) q.set('since', String(o.since));
    return this.call('GET', `/journal?${q.toString()}`);
  }

  /** Wait until the client has sent something matching `pred` (polls `sent`). */
  async waitForSent(pred: (m: SentMessage) => boolean, o: { account?: string; timeoutMs?: number; since?: number } = {}): Promise<SentMessage> {
    const deadline = Date.now() + (o.timeoutMs ?? 10_000);
    let since = o.since ?? 0;
    for (;;) {
      const r = await this.sent({ ...(o.account ? { account: o.account } : {}), since });
      const hit = r.messages.find(pred);
      if (hit) return hit;
      since = r.next;
      if (Date.now() > deadline) throw new Error('timed out waiting for a sent message');
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /** Inject a fault (`count` requests, optionally only for one account or endpoint). */
  fault(f: { kind: FaultKind; count?: number; account?: string; endpoint?: string; ms?: number }): Promise<{ ok: boolean }> {
    return this.call('POST', '/faults', f);
  }

  phoneOpenChat(o: { account?: string; chat: string }): Promise<{ ok: boolean }> {
    return this.call('POST', '/phone/open-chat', o);
  }

  phoneLogout(o: { account?: string } = {}): Promise<{ ok: boolean }> {
    return this.call('POST', '/phone/logout', o);
  }

  otherDeviceLogin(o: { account?: string } = {}): Promise<{ ok: boolean }> {
    return this.call('POST', '/phone/other-login', o);
  }

  renameSelf(o: { account?: string; nickname: string }): Promise<{ ok: boolean }> {
    return this.call('POST', '/phone/rename', o);
  }

  friendRequest(o: { account?: string; nickname?: string; greeting?: string }): Promise<{ msgId: string }> {
    return this.call('POST', '/friends/request', o);
  }

  acceptFriendRequest(o: { account?: string; id: string }): Promise<{ ok: boolean; id: string }> {
    return this.call('POST', '/friends/accept', o);
  }

  friendDeletes(o: { account?: string; friend: string }): Promise<{ ok: boolean }> {
    return this.call('POST', '/friends/delete', o);
  }

  roomJoin(o: { account?: string; room: string; member?: string; by?: string; via?: 'invite' | 'qr' }): Promise<{ id: string }> {
    return this.call('POST', '/rooms/join', o);
  }

  roomLeave(o: { account?: string; room: string; member: string }): Promise<{ ok: boolean }> {
    return this.call('POST', '/rooms/leave', o);
  }

  roomRemove(o: { account?: string; room: string; member: string; by?: string }): Promise<{ ok: boolean }> {
    return this.call('POST', '/rooms/remove', o);
  }

  roomRename(o: { account?: string; room: string; topic: string; by?: string }): Promise<{ ok: boolean }> {
    return this.call('POST', '/rooms/rename', o);
  }

  addAccount(): Promise<{ id: string; index: number; nickname: string }> {
    return this.call('POST', '/accounts', {});
  }

  stats(): Promise<{ sessions: number; heldSynccheck: number; memory: { rss: number; heapUsed: number; external: number } }> {
    return this.call('GET', '/stats');
  }

  /** Start-up windows (webwxinit → first synccheck) after `since`, and the most that overlapped. */
  logins(since = 0): Promise<{ windows: LoginWindow[]; peak: number; next: number }> {
    return this.call('GET', `/logins?since=${since}`);
  }
}
