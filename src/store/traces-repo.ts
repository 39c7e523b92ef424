/**
 * Decision traces: for each handled message, which plugins ran, which replied, and why nothing
 * replied. Written in batches (one transaction per burst) and pruned to the newest rows per account.
 */
import type { DecisionTrace } from '../pipeline/trace.js';
import { all, atomic, run, statement, twin, type Param, type Sql, type Steps, type Work } from './sql/work.js';
import type { Promised } from './gate.js';
import { stepsOf, traceJson, type StoredTrace } from './trace-json.js';
import { ROWS_PER_INSERT, rowsInsert } from './sql/rows-insert.js';

/** The repository's shape with plain results; callers get its asynchronous view, `TracesRepo`. */
export interface TracesTable {
  insertMany(traces: DecisionTrace[]): void;
  /** Newest first. */
  list(account: string, options?: { limit?: number; messageId?: string }): DecisionTrace[];
  /** Keep only the newest `keep` traces of the account. */
  prune(account: string, keep: number): void;
}

export type TracesRepo = Promised<TracesTable>;

/** The insert's parameters for `traces[from, to)` (each trace itself as JSON), row after row. */
function traceParams(traces: DecisionTrace[], from: number, to: number): Param[] {
  const params: Param[] = [];
  for (let i = from; i < to; i++) {
    const t = traces[i]!;
    params.push(t.account, t.messageId, t.chatId, traceJson(t), t.at);
  }
  return params;
}

export function createTracesRepo(sql: Sql): Steps<TracesTable> {
  // A burst's batch in one statement (one per ROWS_PER_INSERT traces), not one per trace.
  const ins = rowsInsert(sql, 'insert into decision_traces (account_id, message_id, chat_id, trace, at) values', '(?, ?, ?, ?, ?)');
  const prune = sql.query(
    'delete from decision_traces where account_id = ? and id <= (select id from decision_traces where account_id = ? order by id desc limit 1 offset ?)',
  );
  return {
    insertMany: twin(
      function* (traces: DecisionTrace[]): Work<void> {
        const rows = function* (): Work<void> {
          for (let i = 0; i < traces.length; i += ROWS_PER_INSERT) {
            const to = Math.min(traces.length, i + ROWS_PER_INSERT);
            yield* run(ins.of(to - i), ...traceParams(traces, i, to));
          }
        };
        // One statement is all-or-nothing by itself; more need a transaction of their own.
        if (traces.length > ROWS_PER_INSERT) yield* atomic(rows());
        else if (traces.length) yield* rows();
      },
      sql.atomicNow &&
        ((traces) => {
          const rows = (): void => {
            for (let i = 0; i < traces.length; i += ROWS_PER_INSERT) {
              const to = Math.min(traces.length, i + ROWS_PER_INSERT);
              ins.of(to - i).now!.run(traceParams(traces, i, to));
            }
          };
          if (traces.length > ROWS_PER_INSERT) sql.atomicNow!(rows);
          else if (traces.length) rows();
        }),
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
        const t = JSON.parse(r.trace) as StoredTrace;
        return {
          account: r.account_id,
          messageId: r.message_id,
          chatId: r.chat_id,
          ...(t.chatName !== undefined && { chatName: t.chatName }),
          steps: stepsOf(t.steps),
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
