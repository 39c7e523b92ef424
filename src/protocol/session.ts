/**
 * The secrets and keys of one logged-in session (§3, §5.6) and their JSON snapshot for resume
 * (§11.4). Kept as plain data: the api layer reads it, the login and sync code update it.
 */
import type { SerializedCookieJar } from 'tough-cookie';
import type { Hosts } from './hosts.js';
import type { RawSyncKey, RawUser } from './raw-types.js';

export interface SessionState {
  hosts: Hosts;
  uin: string;
  sid: string;
  skey: string;
  /** As received from newloginpage: already percent-encoded (§3). */
  passTicket: string;
  /** For webwxsync. */
  syncKey?: RawSyncKey;
  /** For synccheck; falls back to syncKey when the server never sent one (§5.5). */
  syncCheckKey?: RawSyncKey;
  self?: RawUser;
  inviteStartCount: number;
  /** When this session logged in (ms). */
  loginAt: number;
}

export const SNAPSHOT_VERSION = 1;

/** The resumable snapshot: the session state plus the cookie jar and the mode it logged in with. */
export type SessionSnapshotV1 = SessionState & {
  v: typeof SNAPSHOT_VERSION;
  kind: 'wechat-web';
  desktop: boolean;
  cookies: SerializedCookieJar;
};

/** Replace a key only when the server sent a non-empty one (§5.6 update rule). */
export function usableKey(key: RawSyncKey | undefined): key is RawSyncKey {
  return !!key && key.Count > 0 && Array.isArray(key.List) && key.List.length > 0;
}

/** `1_636444437|2_636445051|…` (URL-encode it when putting it in a query). */
export function formatSyncKey(key: RawSyncKey | undefined): string {
  if (!key) return '';
  let s = '';
  for (const item of key.List) s += (s ? '|' : '') + item.Key + '_' + item.Val;
  return s;
}

/** Validate an unknown snapshot; undefined when it is not ours or is incomplete. */
export function readSnapshot(s: unknown): SessionSnapshotV1 | undefined {
  if (!s || typeof s !== 'object') return undefined;
  const o = s as Partial<SessionSnapshotV1>;
  if (o.v !== SNAPSHOT_VERSION || o.kind !== 'wechat-web') return undefined;
  if (!o.hosts?.web || !o.uin || !o.sid || !o.skey || typeof o.passTicket !== 'string' || !o.cookies) return undefined;
  return o as SessionSnapshotV1;
}
