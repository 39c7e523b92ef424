/**
 * The last login or logout an endpoint was given for an account: the callback sends a logout once
 * after a login, never twice for one session (a kick followed by a failed restore reports two).
 */
import type { Db } from '../../store/database.js';

export type SessionEvent = 'account.login' | 'account.logout';

export interface SessionEventsRepo {
  last(endpointId: string, account: string): SessionEvent | undefined;
}

export function createSessionEventsRepo(db: Db): SessionEventsRepo {
  const q = db.prepare<[string, string], { event_type: SessionEvent }>(
    `select event_type from webhook_deliveries where endpoint_id = ? and account = ?
       and event_type in ('account.login', 'account.logout') order by seq desc limit 1`,
  );
  return { last: (endpointId, account) => q.get(endpointId, account)?.event_type };
}
