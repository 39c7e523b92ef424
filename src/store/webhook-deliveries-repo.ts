/**
 * The durable outbox: one row per (event, endpoint), delivered at least once. Rows of the same
 * (endpoint, chat) go out one at a time in insertion order; `heads()` finds the first unfinished
 * row of every such queue with an index skip-scan, so a long backlog in one chat costs nothing to
 * the others.
 */
import { all, atomic, get, run, type Sql, type Steps } from './sql/work.js';
import type { Promised } from './gate.js';
import type { DeliveryAttempt, DeliveryListQuery, DeliveryStatus, NewDelivery, WebhookDelivery } from '../webhook/records.js';

/** The repository's shape with plain results; callers get its asynchronous view, `WebhookDeliveriesRepo`. */
export interface WebhookDeliveriesTable {
  /** Insert a pending row; a repeated (endpoint, webhook id) is ignored. Returns the new id or undefined. */
  insert(d: NewDelivery): number | undefined;
  /** Put rows left 'delivering' by a crash back to 'pending'. Returns how many. */
  recover(at: number): number;
  /** Put rows 'delivering' since before `before` back to 'pending' (a cluster's delivery whose job was lost). Returns how many. */
  releaseStale(before: number, at: number): number;
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
export function createWebhookDeliveriesRepo(sql: Sql): Steps<WebhookDeliveriesTable> {
  const insert = sql.query(
    `insert into webhook_deliveries (webhook_id, endpoint_id, event_type, account, chat_key, body, status,
       attempts, next_at, give_up_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)
     on conflict do nothing returning seq`,
  );
  // Skip-scan the distinct (endpoint, chat) keys of unfinished rows through the partial index: one
  // seek per key lands on that queue's first row (smallest seq), so the cost grows with the number
  // of busy chats, not with the backlog. (PostgreSQL's planner takes the partial index by itself.)
  const activeIndex = (text: string) => ({ sqlite: text.replace('$INDEX', 'indexed by webhook_deliveries_active'), postgres: text.replace('$INDEX', '') });
  const nextKey = sql.query(
    activeIndex(`select * from webhook_deliveries $INDEX
     where ${ACTIVE} and (endpoint_id, chat_key) > (?, ?) order by endpoint_id, chat_key, seq limit 1`),
  );
  const headOf = sql.query(
    activeIndex(`select * from webhook_deliveries $INDEX
     where ${ACTIVE} and endpoint_id = ? and chat_key = ? order by endpoint_id, chat_key, seq limit 1`),
  );
  const claimOne = sql.query(`update webhook_deliveries set status = 'delivering', updated_at = ? where seq = ? and status = 'pending'`);
  const attempt = sql.query(`insert into webhook_attempts (delivery_seq, at, status_code, duration_ms, response, error) values (?, ?, ?, ?, ?, ?)`);
  const bump = sql.query('update webhook_deliveries set attempts = attempts + 1 where seq = ?');
  const byId = sql.query('select * from webhook_deliveries where seq = ?');
  const lastSession = sql.query(
    `select event_type from webhook_deliveries where endpoint_id = ? and account = ?
       and event_type in ('account.login', 'account.logout') order by seq desc limit 1`,
  );
  const recover = sql.query(`update webhook_deliveries set status = 'pending', updated_at = ? where status = 'delivering'`);
  const releaseStale = sql.query(`update webhook_deliveries set status = 'pending', updated_at = ? where status = 'delivering' and updated_at < ?`);
  const delivered = sql.query(
    `update webhook_deliveries set status = 'delivered', last_status = ?, last_error = null, delivered_at = ?, updated_at = ? where seq = ?`,
  );
  const retry = sql.query(`update webhook_deliveries set status = 'pending', next_at = ?, last_status = ?, last_error = ?, updated_at = ? where seq = ?`);
  const dead = sql.query(`update webhook_deliveries set status = 'dead', last_status = ?, last_error = ?, updated_at = ? where seq = ?`);
  const release = sql.query(`update webhook_deliveries set status = 'pending', next_at = ?, updated_at = ? where seq = ? and status = 'delivering'`);
  const attempts = sql.query('select * from webhook_attempts where delivery_seq = ? order by id');
  const redeliver = sql.query(
    `update webhook_deliveries set status = 'pending', next_at = ?, give_up_at = ?, updated_at = ?
     where seq = ? and status in ('dead', 'delivered')`,
  );
  const redeliverDead = sql.query(
    `update webhook_deliveries set status = 'pending', next_at = ?, give_up_at = ?, updated_at = ?
     where status = 'dead' and (cast(? as text) is null or endpoint_id = ?)`,
  );
  const counts = sql.query(`select status, count(*) as n from webhook_deliveries where (cast(? as text) is null or endpoint_id = ?) group by status`);
  const nextDue = sql.query(`select min(next_at) as t from webhook_deliveries where status = 'pending'`);
  const prune = sql.query(`delete from webhook_deliveries where (status = 'delivered' and updated_at < ?) or (status = 'dead' and updated_at < ?)`);
  const zero = (): Record<DeliveryStatus, number> => ({ pending: 0, delivering: 0, delivered: 0, dead: 0 });
  return {
    *insert(d) {
      return (yield* get<{ seq: number }>(insert, d.webhookId, d.endpointId, d.eventType, d.account, d.chatKey, d.body, d.at, d.giveUpAt, d.at, d.at))?.seq;
    },
    *recover(at) {
      return yield* run(recover, at);
    },
    *releaseStale(before, at) {
      return yield* run(releaseStale, at, before);
    },
    *pendingHeads(limit) {
      const out: (WebhookDelivery & { body: string })[] = [];
      let e = '';
      let c = '';
      for (let r = yield* get<Row>(nextKey, e, c); r && out.length < limit; r = yield* get<Row>(nextKey, e, c)) {
        if (r.status === 'pending') out.push({ ...toDelivery(r), body: r.body });
        e = r.endpoint_id;
        c = r.chat_key;
      }
      return out.sort((a, b) => a.id - b.id);
    },
    *head(endpointId, chatKey) {
      const r = yield* get<Row>(headOf, endpointId, chatKey);
      return r ? { ...toDelivery(r), body: r.body } : undefined;
    },
    *claim(ids, at) {
      return yield* atomic(
        (function* () {
          const claimed: number[] = [];
          for (const id of ids) if ((yield* run(claimOne, at, id)) > 0) claimed.push(id);
          return claimed;
        })(),
      );
    },
    *recordAttempt(a) {
      yield* atomic(
        (function* () {
          yield* run(attempt, a.deliveryId, a.at, a.statusCode ?? null, a.durationMs, a.response ?? null, a.error ?? null);
          yield* run(bump, a.deliveryId);
        })(),
      );
    },
    *markDelivered(id, statusCode, at) {
      yield* run(delivered, statusCode, at, at, id);
    },
    *markRetry(id, nextAt, statusCode, error, at) {
      yield* run(retry, nextAt, statusCode ?? null, error, at, id);
    },
    *markDead(id, statusCode, error, at) {
      yield* run(dead, statusCode ?? null, error, at, id);
    },
    *release(id, nextAt, at) {
      yield* run(release, nextAt, at, id);
    },
    *get(id) {
      const r = yield* get<Row>(byId, id);
      return r ? { ...toDelivery(r), body: r.body } : undefined;
    },
    *list(q = {}) {
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
      const text = `select * from webhook_deliveries ${where.length ? 'where ' + where.join(' and ') : ''} order by seq desc limit ${limit}`;
      return (yield* all<Row>(sql.query(text), ...args)).map(toDelivery);
    },
    *attempts(id) {
      const rows = yield* all<{
        id: number;
        delivery_seq: number;
        at: number;
        status_code: number | null;
        duration_ms: number;
        response: string | null;
        error: string | null;
      }>(attempts, id);
      return rows.map((a) => ({
        id: a.id,
        deliveryId: a.delivery_seq,
        at: a.at,
        ...(a.status_code != null && { statusCode: a.status_code }),
        durationMs: a.duration_ms,
        ...(a.response != null && { response: a.response }),
        ...(a.error != null && { error: a.error }),
      }));
    },
    *redeliver(id, at, giveUpAt) {
      return (yield* run(redeliver, at, giveUpAt, at, id)) > 0;
    },
    *redeliverDead(endpointId, at, giveUpAt) {
      return yield* run(redeliverDead, at, giveUpAt, at, endpointId ?? null, endpointId ?? null);
    },
    *counts(endpointId) {
      const rows = yield* all<{ status: DeliveryStatus; n: number }>(counts, endpointId ?? null, endpointId ?? null);
      const c = zero();
      for (const r of rows) c[r.status] = r.n;
      return c;
    },
    *nextDueAt() {
      return (yield* get<{ t: number | null }>(nextDue))?.t ?? undefined;
    },
    *prune(deliveredBefore, deadBefore) {
      return yield* run(prune, deliveredBefore, deadBefore);
    },
    *lastSessionEvent(endpointId, account) {
      return (yield* get<{ event_type: 'account.login' | 'account.logout' }>(lastSession, endpointId, account))?.event_type;
    },
  };
}
