/**
 * The durable outbox: one row per (event, endpoint), delivered at least once. Rows of the same
 * (endpoint, chat) go out one at a time in insertion order; `heads()` finds the first unfinished
 * row of every such queue with an index skip-scan, so a long backlog in one chat costs nothing to
 * the others.
 */
import type { Db } from './database.js';
import type { Promised } from './gate.js';
import type { DeliveryAttempt, DeliveryListQuery, DeliveryStatus, NewDelivery, WebhookDelivery } from '../webhook/records.js';

/** The synchronous SQLite implementation; callers get its asynchronous view, `WebhookDeliveriesRepo`. */
export interface WebhookDeliveriesTable {
  /** Insert a pending row; a repeated (endpoint, webhook id) is ignored. Returns the new id or undefined. */
  insert(d: NewDelivery): number | undefined;
  /** Put rows left 'delivering' by a crash back to 'pending'. Returns how many. */
  recover(at: number): number;
  /** The first unfinished row of every (endpoint, chat) queue when it is pending (due or not), in seq order. */
  pendingHeads(limit: number): (WebhookDelivery & { body: string })[];
  /** The first unfinished row of one (endpoint, chat) queue, whatever its state. */
  head(endpointId: string, chatKey: string): (WebhookDelivery & { body: string }) | undefined;
  /** Claim rows for delivery (pending → delivering); returns the ids actually claimed. */
  claim(ids: number[], at: number): number[];
  recordAttempt(a: Omit<DeliveryAttempt, 'id'>): void;
  markDelivered(id: number, statusCode: number, at: number): void;
  markRetry(id: number, nextAt: number, statusCode: number | undefined, error: string, at: number): void;
  markDead(id: number, statusCode: number | undefined, error: string, at: number): void;
  /** Back to pending without counting an attempt (stop, open circuit). */
  release(id: number, nextAt: number, at: number): void;
  get(id: number): (WebhookDelivery & { body: string }) | undefined;
  list(q?: DeliveryListQuery): WebhookDelivery[];
  attempts(id: number): DeliveryAttempt[];
  /** Queue a finished (dead or delivered) row again with the same webhook id. */
  redeliver(id: number, at: number, giveUpAt: number): boolean;
  /** Queue every dead row (of one endpoint, or all) again. Returns how many. */
  redeliverDead(endpointId: string | undefined, at: number, giveUpAt: number): number;
  counts(endpointId?: string): Record<DeliveryStatus, number>;
  /** The earliest next_at among pending rows (to sleep until then). */
  nextDueAt(): number | undefined;
  /** Delete delivered rows finished before `deliveredBefore` and dead rows before `deadBefore`. */
  prune(deliveredBefore: number, deadBefore: number): number;
  /**
   * The last login or logout queued to an endpoint for an account (the wechatbot-webhook callback
   * sends a logout once after a login, never twice for one session).
   */
  lastSessionEvent(endpointId: string, account: string): 'account.login' | 'account.logout' | undefined;
}

export type WebhookDeliveriesRepo = Promised<WebhookDeliveriesTable>;

interface Row {
  seq: number;
  webhook_id: string;
  endpoint_id: string;
  event_type: string;
  account: string;
  chat_key: string;
  body: string;
  status: string;
  attempts: number;
  next_at: number;
  give_up_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

function toDelivery(r: Row): WebhookDelivery {
  return {
    id: r.seq,
    webhookId: r.webhook_id,
    endpointId: r.endpoint_id,
    eventType: r.event_type,
    account: r.account,
    chatKey: r.chat_key,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    nextAt: r.next_at,
    giveUpAt: r.give_up_at,
    ...(r.last_status != null && { lastStatus: r.last_status }),
    ...(r.last_error != null && { lastError: r.last_error }),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ...(r.delivered_at != null && { deliveredAt: r.delivered_at }),
  };
}

const ACTIVE = `status in ('pending', 'delivering')`;

/**
 * @example
 *   const deliveries = createWebhookDeliveriesRepo(db);
 *   deliveries.pendingHeads(100);
 */
export function createWebhookDeliveriesRepo(db: Db): WebhookDeliveriesTable {
  const insert = db.prepare(
    `insert or ignore into webhook_deliveries (webhook_id, endpoint_id, event_type, account, chat_key, body, status,
       attempts, next_at, give_up_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)`,
  );
  // Skip-scan the distinct (endpoint, chat) keys of unfinished rows through the partial index: one
  // seek per key lands on that queue's first row (smallest seq), so the cost grows with the number
  // of busy chats, not with the backlog.
  const nextKey = db.prepare<[string, string], Row>(
    `select * from webhook_deliveries indexed by webhook_deliveries_active
     where ${ACTIVE} and (endpoint_id, chat_key) > (?, ?) order by endpoint_id, chat_key, seq limit 1`,
  );
  const headOf = db.prepare<[string, string], Row>(
    `select * from webhook_deliveries indexed by webhook_deliveries_active
     where ${ACTIVE} and endpoint_id = ? and chat_key = ? order by endpoint_id, chat_key, seq limit 1`,
  );
  const claimOne = db.prepare(`update webhook_deliveries set status = 'delivering', updated_at = ? where seq = ? and status = 'pending'`);
  const claim = db.transaction((ids: number[], at: number) => ids.filter((id) => claimOne.run(at, id).changes > 0));
  const attempt = db.prepare(`insert into webhook_attempts (delivery_seq, at, status_code, duration_ms, response, error) values (?, ?, ?, ?, ?, ?)`);
  const bump = db.prepare('update webhook_deliveries set attempts = attempts + 1 where seq = ?');
  const recordAttempt = db.transaction((a: Omit<DeliveryAttempt, 'id'>) => {
    attempt.run(a.deliveryId, a.at, a.statusCode ?? null, a.durationMs, a.response ?? null, a.error ?? null);
    bump.run(a.deliveryId);
  });
  const byId = db.prepare<[number], Row>('select * from webhook_deliveries where seq = ?');
  const lastSession = db.prepare<[string, string], { event_type: 'account.login' | 'account.logout' }>(
    `select event_type from webhook_deliveries where endpoint_id = ? and account = ?
       and event_type in ('account.login', 'account.logout') order by seq desc limit 1`,
  );
  const zero = (): Record<DeliveryStatus, number> => ({ pending: 0, delivering: 0, delivered: 0, dead: 0 });
  return {
    insert: (d) => {
      const r = insert.run(d.webhookId, d.endpointId, d.eventType, d.account, d.chatKey, d.body, d.at, d.giveUpAt, d.at, d.at);
      return r.changes > 0 ? Number(r.lastInsertRowid) : undefined;
    },
    recover: (at) => db.prepare(`update webhook_deliveries set status = 'pending', updated_at = ? where status = 'delivering'`).run(at).changes,
    pendingHeads: (limit) => {
      const out: (WebhookDelivery & { body: string })[] = [];
      let e = '';
      let c = '';
      for (let r = nextKey.get(e, c); r && out.length < limit; r = nextKey.get(e, c)) {
        if (r.status === 'pending') out.push({ ...toDelivery(r), body: r.body });
        e = r.endpoint_id;
        c = r.chat_key;
      }
      return out.sort((a, b) => a.id - b.id);
    },
    head: (endpointId, chatKey) => {
      const r = headOf.get(endpointId, chatKey);
      return r ? { ...toDelivery(r), body: r.body } : undefined;
    },
    claim: (ids, at) => claim(ids, at),
    recordAttempt: (a) => recordAttempt(a),
    markDelivered: (id, statusCode, at) =>
      void db
        .prepare(`update webhook_deliveries set status = 'delivered', last_status = ?, last_error = null, delivered_at = ?, updated_at = ? where seq = ?`)
        .run(statusCode, at, at, id),
    markRetry: (id, nextAt, statusCode, error, at) =>
      void db
        .prepare(`update webhook_deliveries set status = 'pending', next_at = ?, last_status = ?, last_error = ?, updated_at = ? where seq = ?`)
        .run(nextAt, statusCode ?? null, error, at, id),
    markDead: (id, statusCode, error, at) =>
      void db
        .prepare(`update webhook_deliveries set status = 'dead', last_status = ?, last_error = ?, updated_at = ? where seq = ?`)
        .run(statusCode ?? null, error, at, id),
    release: (id, nextAt, at) =>
      void db
        .prepare(`update webhook_deliveries set status = 'pending', next_at = ?, updated_at = ? where seq = ? and status = 'delivering'`)
        .run(nextAt, at, id),
    get: (id) => {
      const r = byId.get(id);
      return r ? { ...toDelivery(r), body: r.body } : undefined;
    },
    list: (q = {}) => {
      const where: string[] = [];
      const args: (string | number)[] = [];
      const add = (clause: string, value: string | number | undefined): void => {
        if (value === undefined) return;
        where.push(clause);
        args.push(value);
      };
      add('endpoint_id = ?', q.endpointId);
      add('status = ?', q.status);
      add('seq < ?', q.before);
      const limit = Math.max(1, Math.min(500, Math.floor(q.limit ?? 50)));
      const sql = `select * from webhook_deliveries ${where.length ? 'where ' + where.join(' and ') : ''} order by seq desc limit ${limit}`;
      return (db.prepare(sql).all(...args) as Row[]).map(toDelivery);
    },
    attempts: (id) =>
      (
        db.prepare('select * from webhook_attempts where delivery_seq = ? order by id').all(id) as {
          id: number;
          delivery_seq: number;
          at: number;
          status_code: number | null;
          duration_ms: number;
          response: string | null;
          error: string | null;
        }[]
      ).map((a) => ({
        id: a.id,
        deliveryId: a.delivery_seq,
        at: a.at,
        ...(a.status_code != null && { statusCode: a.status_code }),
        durationMs: a.duration_ms,
        ...(a.response != null && { response: a.response }),
        ...(a.error != null && { error: a.error }),
      })),
    redeliver: (id, at, giveUpAt) =>
      db
        .prepare(
          `update webhook_deliveries set status = 'pending', next_at = ?, give_up_at = ?, updated_at = ?
           where seq = ? and status in ('dead', 'delivered')`,
        )
        .run(at, giveUpAt, at, id).changes > 0,
    redeliverDead: (endpointId, at, giveUpAt) =>
      db
        .prepare(
          `update webhook_deliveries set status = 'pending', next_at = ?, give_up_at = ?, updated_at = ?
           where status = 'dead' and (? is null or endpoint_id = ?)`,
        )
        .run(at, giveUpAt, at, endpointId ?? null, endpointId ?? null).changes,
    counts: (endpointId) => {
      const rows = db
        .prepare(`select status, count(*) as n from webhook_deliveries where (? is null or endpoint_id = ?) group by status`)
        .all(endpointId ?? null, endpointId ?? null) as { status: DeliveryStatus; n: number }[];
      const c = zero();
      for (const r of rows) c[r.status] = r.n;
      return c;
    },
    nextDueAt: () => (db.prepare(`select min(next_at) as t from webhook_deliveries where status = 'pending'`).get() as { t: number | null }).t ?? undefined,
    prune: (deliveredBefore, deadBefore) =>
      db
        .prepare(`delete from webhook_deliveries where (status = 'delivered' and updated_at < ?) or (status = 'dead' and updated_at < ?)`)
        .run(deliveredBefore, deadBefore).changes,
    lastSessionEvent: (endpointId, account) => lastSession.get(endpointId, account)?.event_type,
  };
}
