/**
 * The durable outbound queue: every message an account sends is a row here before `send()`
 * resolves, so a crash loses nothing that was accepted. Rows move queued → sending → sent | failed;
 * on a transport with a reply window (iLink) a row may wait in 'waiting-for-user' until the user
 * writes again, then goes back to queued.
 */
import type { Message } from '../transport/model.js';
import type { NewOutbound, OutboundPayload, OutboundRecord, OutboundStatus, OutboundType } from '../bot/outbound-record.js';
import { all, atomic, get, run, statement, twin, type Param, type Sql, type Steps, type Work } from './sql/work.js';
import type { Promised } from './gate.js';

export interface OutboundListQuery {
  status?: OutboundStatus;
  chatId?: string;
  /** Rows with seq below this (paging, newest first). */
  beforeSeq?: number;
  limit?: number;
}

/**
 * How much older than `since` a message stored after the echo may be and the echo still be found: a sync hands a chat's
 * messages over in the order they came, so only one delayed by more than this (besides the caller's own allowance for
 * skewed clocks) could be stored after an echo it is older than. Also how far before `since` the claim check reads the
 * sent rows: a row that claims a message was marked sent (on our clock) after WeChat wrote it (on WeChat's clock, dated
 * `since` or later), so only a clock of WeChat's ahead of ours by more than this (and the caller's allowance) could hide
 * a claim.
 */
const ECHO_STORED_SLACK_MS = 10 * 60_000;

/** Why a send failed: WeChat's code when it gave one. */
type SendError = { code?: number; message: string };

/** The repository's shape with plain results; callers get its asynchronous view, `OutboundRepo`. */
export interface OutboundTable {
  /** Insert a queued row. With an idempotency key already used by the account, returns that row instead (`created: false`). */
  enqueue(row: NewOutbound): { record: OutboundRecord; created: boolean };
  get(id: string): OutboundRecord | undefined;
  payload(id: string): OutboundPayload;
  byIdempotencyKey(account: string, key: string): OutboundRecord | undefined;
  /** Queued rows (and rows left 'sending' by a crash, put back to queued) in order. */
  recover(account: string): OutboundRecord[];
  /**
   * Mark a row as being sent. The queue does not call it on the hot path (a commit per send for a
   * state that recovery treats like 'queued' anyway); it reports the in-flight row from memory.
   */
  markSending(id: string): void;
  /**
   * Committed before a send call: the row is being handed to WeChat now (attempt `attempts`). Not
   * for a fresh row's first hand-over (the queue's UNMARKED_HANDOVER_MS: recovery covers it).
   */
  markHanded(id: string, at: number, attempts: number): void;
  /**
   * WeChat's echo of a row handed before: an own message in the row's chat, of its kind and text,
   * written at or after `since`, whose MsgId no sent row claims. Returns that MsgId.
   */
  findEcho(record: OutboundRecord, since: number): string | undefined;
  markSent(id: string, wechatId: string, at: number, attempts: number): void;
  markFailed(id: string, error: { code?: number; message: string }, attempts: number): void;
  /**
   * Back to queued after a failed attempt that will be retried. `handedAt`, when the attempt's outcome
   * is unknown (a network failure, a call cut off): the hand-over WeChat may have taken, recorded so that
   * whoever sends the row next (this process, a restart, the node that takes the account over) looks for
   * its echo first. Without it the row is known not to have reached WeChat.
   */
  markRetry(id: string, error: { code?: number; message: string }, attempts: number, handedAt?: number): void;
  /** The row waits until the user writes again (reply window, quota); `error` says why. */
  markHeld(id: string, error: { code?: number; message: string }, at: number, attempts: number): void;
  /** The user wrote: a waiting row is queued again (its reason is kept until it is sent). */
  markReleased(id: string): void;
  /** Rows waiting for the user, in order. */
  held(account: string): OutboundRecord[];
  /** Newest first. */
  list(account: string, query?: OutboundListQuery): OutboundRecord[];
  countSentSince(account: string, since: number): number;
  /** Rows still waiting to be sent (queued or in flight), per account that has any. */
  pendingByAccount(): { account: string; count: number }[];
  countFailedSince(account: string, since: number): number;
  /** The replies queued for one received message, oldest first. */
  repliesTo(account: string, messageId: string): OutboundRecord[];
}

export type OutboundRepo = Promised<OutboundTable>;

interface Row {
  seq: number;
  id: string;
  account_id: string;
  chat_id: string;
  type: string;
  text: string | null;
  file_name: string | null;
  status: string;
  wechat_id: string | null;
  error_code: number | null;
  error_message: string | null;
  source: string | null;
  reply_to: string | null;
  idempotency_key: string | null;
  attempts: number;
  created_at: number;
  sent_at: number | null;
  handed_at: number | null;
  held_at: number | null;
}

const COLUMNS =
  'seq, id, account_id, chat_id, type, text, file_name, status, wechat_id, error_code, error_message, source, reply_to, idempotency_key, attempts, created_at, sent_at, handed_at, held_at';

function toRecord(r: Row): OutboundRecord {
  return {
    id: r.id,
    account: r.account_id,
    chatId: r.chat_id,
    type: r.type as OutboundType,
    ...(r.text != null && { text: r.text }),
    ...(r.file_name != null && { fileName: r.file_name }),
    status: r.status as OutboundStatus,
    ...(r.wechat_id != null && { wechatId: r.wechat_id }),
    ...(r.error_message != null && {
      error: { ...(r.error_code != null && { code: r.error_code }), message: r.error_message },
    }),
    ...(r.source != null && { source: r.source }),
    ...(r.reply_to != null && { replyTo: r.reply_to }),
    ...(r.idempotency_key != null && { idempotencyKey: r.idempotency_key }),
    attempts: r.attempts,
    createdAt: r.created_at,
    ...(r.sent_at != null && { sentAt: r.sent_at }),
    ...(r.handed_at != null && { handedAt: r.handed_at }),
    ...(r.held_at != null && { heldAt: r.held_at }),
  };
}

/** The insert's parameters (its columns' order) for a new row. */
function insertParams(r: NewOutbound): Param[] {
  return [
    r.id,
    r.account,
    r.chatId,
    r.type,
    r.text ?? null,
    r.file?.name ?? null,
    r.file?.mimeType ?? null,
    r.file?.data ?? null,
    r.message ? JSON.stringify(r.message) : null,
    r.source ?? null,
    r.replyTo ?? null,
    r.idempotencyKey ?? null,
    r.createdAt,
  ];
}

/** A row just inserted, built from the input rather than re-read: one statement per send on the hot path. */
function queuedRecord(r: NewOutbound): OutboundRecord {
  return {
    id: r.id,
    account: r.account,
    chatId: r.chatId,
    type: r.type,
    ...(r.text !== undefined && { text: r.text }),
    ...(r.file && { fileName: r.file.name }),
    status: 'queued',
    ...(r.source !== undefined && { source: r.source }),
    ...(r.replyTo !== undefined && { replyTo: r.replyTo }),
    ...(r.idempotencyKey !== undefined && { idempotencyKey: r.idempotencyKey }),
    attempts: 0,
    createdAt: r.createdAt,
  };
}

export function createOutboundRepo(sql: Sql): Steps<OutboundTable> {
  const insertColumns = `insert into outbound (id, account_id, chat_id, type, text, file_name, file_mime, file_data, payload, status, source, reply_to,
       idempotency_key, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)`;
  const ins = sql.query(insertColumns);
  // With a key, the unique index decides: of two racing enqueues (two API nodes) one inserts, the other finds its row.
  const insKeyed = sql.query(`${insertColumns} on conflict (account_id, idempotency_key) where idempotency_key is not null do nothing`);
  const byId = sql.query(`select ${COLUMNS} from outbound where id = ?`);
  const byKey = sql.query(`select ${COLUMNS} from outbound where account_id = ? and idempotency_key = ?`);
  const payload = sql.query('select file_name, file_mime, file_data, payload from outbound where id = ?');
  const sending = sql.query("update outbound set status = 'sending', attempts = attempts + 1 where id = ?");
  const sent = sql.query(
    "update outbound set status = 'sent', wechat_id = ?, sent_at = ?, attempts = ?, error_code = null, error_message = null, file_data = null where id = ?",
  );
  const failed = sql.query("update outbound set status = 'failed', error_code = ?, error_message = ?, attempts = ?, file_data = null where id = ?");
  const retry = sql.query("update outbound set status = 'queued', error_code = ?, error_message = ?, attempts = ?, handed_at = ? where id = ?");
  const handed = sql.query("update outbound set status = 'sending', handed_at = ?, attempts = ? where id = ?");
  // The echo of a text carries the same text; of a file its name; images and videos only their kind. The chat's rows are
  // read newest first through messages_chat_seq (there is no index of message times per chat), down to the newest row
  // dated ECHO_STORED_SLACK_MS before `since`: messages are stored in the order they come, so the echo is among those
  // stored after it, and a lookup costs the chat's recent rows, not all of them. Whether a sent row claims a candidate
  // is read from the account's rows sent since that same bound (outbound_sent, in the order they were sent).
  const echoQuery = (inChat: string, sent: string) =>
    `select m.id from messages m${inChat} where m.account_id = ? and m.chat_id = ?
       and m.seq > coalesce((select seq from messages${inChat} where account_id = ? and chat_id = ? and created_at < ? order by seq desc limit 1), 0)
       and m.is_self = 1 and m.created_at >= ? and m.type = ? and (cast(? as text) is null or m.text = ?)
       and not exists (select 1 from outbound o${sent} where o.account_id = m.account_id and o.sent_at >= ? and o.wechat_id = m.id)
     order by m.created_at, m.id limit 1`;
  const echo = sql.query({ sqlite: echoQuery(' indexed by messages_chat_seq', ' indexed by outbound_sent'), postgres: echoQuery('', '') });
  const held = sql.query(
    "update outbound set status = 'waiting-for-user', error_code = ?, error_message = ?, held_at = ?, handed_at = null, attempts = ? where id = ?",
  );
  const released = sql.query("update outbound set status = 'queued', held_at = null where id = ? and status = 'waiting-for-user'");
  const heldRows = sql.query(`select ${COLUMNS} from outbound where account_id = ? and status = 'waiting-for-user' order by seq`);
  const requeue = sql.query("update outbound set status = 'queued' where account_id = ? and status = 'sending'");
  const pending = sql.query(`select ${COLUMNS} from outbound where account_id = ? and status = 'queued' order by seq`);
  const failedSince = sql.query("select count(*) as n from outbound where account_id = ? and status = 'failed' and created_at >= ?");
  const repliesTo = sql.query(`select ${COLUMNS} from outbound where account_id = ? and reply_to = ? order by seq`);
  // Through outbound_sent (only sent rows have a MsgId): today's rows, not every sent row of the account.
  const sentSince = sql.query("select count(*) as n from outbound where account_id = ? and sent_at >= ? and wechat_id is not null and status = 'sent'");
  const pendingByAccount = sql.query("select account_id, count(*) as n from outbound where status in ('queued', 'sending') group by account_id");

  function* payloadOf(id: string): Work<OutboundPayload> {
    const r = yield* get<{ file_name: string | null; file_mime: string | null; file_data: Buffer | null; payload: string | null }>(payload, id);
    if (!r) return {};
    return {
      ...(r.file_data != null && {
        file: { name: r.file_name ?? 'file', data: r.file_data, ...(r.file_mime != null && { mimeType: r.file_mime }) },
      }),
      ...(r.payload != null && { message: JSON.parse(r.payload) as Message }),
    };
  }

  return {
    enqueue: twin(
      function* (r: NewOutbound): Work<{ record: OutboundRecord; created: boolean }> {
        if (r.idempotencyKey !== undefined) {
          const existing = yield* get<Row>(byKey, r.account, r.idempotencyKey);
          if (existing) return { record: toRecord(existing), created: false };
        }
        if ((yield* run(r.idempotencyKey === undefined ? ins : insKeyed, ...insertParams(r))) === 0) {
          return { record: toRecord((yield* get<Row>(byKey, r.account, r.idempotencyKey!))!), created: false };
        }
        return { record: queuedRecord(r), created: true };
      },
      byKey.now &&
        ((r) => {
          if (r.idempotencyKey !== undefined) {
            const existing = byKey.now!.get([r.account, r.idempotencyKey]) as Row | undefined;
            if (existing) return { record: toRecord(existing), created: false };
          }
          if ((r.idempotencyKey === undefined ? ins : insKeyed).now!.run(insertParams(r)) === 0) {
            return { record: toRecord(byKey.now!.get([r.account, r.idempotencyKey!]) as Row), created: false };
          }
          return { record: queuedRecord(r), created: true };
        }),
    ),
    *get(id) {
      const r = yield* get<Row>(byId, id);
      return r ? toRecord(r) : undefined;
    },
    payload: payloadOf,
    *byIdempotencyKey(account, key) {
      const r = yield* get<Row>(byKey, account, key);
      return r ? toRecord(r) : undefined;
    },
    *recover(account) {
      return yield* atomic(
        (function* () {
          // A row left 'sending' was cut off mid-call: it may or may not have reached WeChat. Sending it
          // again (at-least-once) is the lesser evil next to losing a message the caller was promised.
          yield* run(requeue, account);
          return (yield* all<Row>(pending, account)).map(toRecord);
        })(),
      );
    },
    *markSending(id) {
      yield* run(sending, id);
    },
    markHanded: statement(handed, (id: string, at: number, attempts: number) => [at, attempts, id]),
    *findEcho(r, since) {
      const p = r.type === 'forward' ? (yield* payloadOf(r.id)).message : undefined;
      const type = r.type === 'forward' ? (p?.type ?? 'text') : r.type;
      const text = type === 'text' ? (p?.text ?? r.text ?? '') : type === 'file' ? (r.fileName ?? null) : null;
      const stored = since - ECHO_STORED_SLACK_MS;
      return (yield* get<{ id: string }>(echo, r.account, r.chatId, r.account, r.chatId, stored, since, type, text, text, stored))?.id;
    },
    markSent: statement(sent, (id: string, wechatId: string, at: number, attempts: number) => [wechatId, at, attempts, id]),
    markFailed: statement(failed, (id: string, e: SendError, attempts: number) => [e.code ?? null, e.message, attempts, id]),
    markRetry: statement(retry, (id: string, e: SendError, attempts: number, handedAt?: number) => [e.code ?? null, e.message, attempts, handedAt ?? null, id]),
    *markHeld(id, e, at, attempts) {
      yield* run(held, e.code ?? null, e.message, at, attempts, id);
    },
    *markReleased(id) {
      yield* run(released, id);
    },
    *held(account) {
      return (yield* all<Row>(heldRows, account)).map(toRecord);
    },
    *list(account, q = {}) {
      const where = ['account_id = ?'];
      const args: (string | number)[] = [account];
      if (q.status) {
        where.push('status = ?');
        args.push(q.status);
      }
      if (q.chatId) {
        where.push('chat_id = ?');
        args.push(q.chatId);
      }
      if (q.beforeSeq !== undefined) {
        where.push('seq < ?');
        args.push(q.beforeSeq);
      }
      const limit = Math.max(1, Math.min(500, Math.floor(q.limit ?? 50)));
      return (yield* all<Row>(sql.query(`select ${COLUMNS} from outbound where ${where.join(' and ')} order by seq desc limit ${limit}`), ...args)).map(
        toRecord,
      );
    },
    *countSentSince(account, since) {
      return (yield* get<{ n: number }>(sentSince, account, since))!.n;
    },
    *pendingByAccount() {
      return (yield* all<{ account_id: string; n: number }>(pendingByAccount)).map((r) => ({ account: r.account_id, count: r.n }));
    },
    *countFailedSince(account, since) {
      return (yield* get<{ n: number }>(failedSince, account, since))!.n;
    },
    *repliesTo(account, messageId) {
      return (yield* all<Row>(repliesTo, account, messageId)).map(toRecord);
    },
  };
}
