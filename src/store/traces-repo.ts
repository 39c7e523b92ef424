/**
 * Decision traces: for each handled message, which plugins ran, which replied, and why nothing
 * replied. Written in batches (one transaction per burst) and pruned to the newest rows per account.
 */
import type { DecisionTrace, TraceStep } from '../pipeline/trace.js';
import { all, atomic, run, statement, twin, type Param, type Sql, type Steps, type Work } from './sql/work.js';
import type { Promised } from './gate.js';
import type { Phrase } from '../util/phrase.js';

/** The repository's shape with plain results; callers get its asynchronous view, `TracesRepo`. */
export interface TracesTable {
  insertMany(traces: DecisionTrace[]): void;
  /** Newest first. */
  list(account: string, options?: { limit?: number; messageId?: string }): DecisionTrace[];
  /** Keep only the newest `keep` traces of the account. */
  prune(account: string, keep: number): void;
}

export type TracesRepo = Promised<TracesTable>;

/** The insert's parameters for one trace (the trace itself as JSON). */
function traceParams(t: DecisionTrace): Param[] {
  return [t.account, t.messageId, t.chatId, JSON.stringify({ steps: t.steps, replied: t.replied, reason: t.reason, why: t.why, chatName: t.chatName }), t.at];
}

export function createTracesRepo(sql: Sql): Steps<TracesTable> {
  const ins = sql.query('insert into decision_traces (account_id, message_id, chat_id, trace, at) values (?, ?, ?, ?, ?)');
  const prune = sql.query(
    'delete from decision_traces where account_id = ? and id <= (select id from decision_traces where account_id = ? order by id desc limit 1 offset ?)',
  );
  return {
    insertMany: twin(
      function* (traces: DecisionTrace[]): Work<void> {
        yield* atomic(
          (function* () {
            for (const t of traces) yield* run(ins, ...traceParams(t));
          })(),
        );
      },
      sql.atomicNow &&
        ((traces) =>
          sql.atomicNow!(() => {
            for (const t of traces) ins.now!.run(traceParams(t));
          })),
    ),
    *list(account, { limit = 50, messageId } = {}) {
      const query = sql.query(
        `select account_id, message_id, chat_id, trace, at from decision_traces where account_id = ? ${messageId ? 'and message_id = ?' : ''}
           order by id desc limit ${Math.max(1, Math.min(1000, Math.floor(limit)))}`,
      );
      const rows = yield* all<{ account_id: string; message_id: string; chat_id: string; trace: string; at: number }>(
        query,
        ...(messageId ? [account, messageId] : [account]),
      );
      return rows.map((r) => {
        const t = JSON.parse(r.trace) as { steps: TraceStep[]; replied: boolean; reason?: string; why?: Phrase[]; chatName?: string };
        return {
          account: r.account_id,
          messageId: r.message_id,
          chatId: r.chat_id,
          ...(t.chatName !== undefined && { chatName: t.chatName }),
          steps: t.steps,
          replied: t.replied,
          ...(t.reason !== undefined && { reason: t.reason }),
          ...(t.why !== undefined && { why: t.why }),
          at: r.at,
        };
      });
    },
    prune: statement(prune, (account: string, keep: number) => [account, account, keep]),
  };
}
