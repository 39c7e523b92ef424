/**
 * SQLite: the event log rows of the open group commit, kept here and written in one multi-row insert just before
 * its COMMIT (as the full-text index is), instead of a statement each as they come. An echoed message journals three
 * events, each about 600 bytes of JSON: a third of its SQLite statements (issue 17). Their seq numbers are drawn at
 * that insert, in the order the rows came, all inside the one transaction: the log's order is still commit order, and
 * a row is durable exactly when the COMMIT of the call that wrote it is (the gate resolves nothing before).
 *
 * The group's transaction statements tell it what happens to the rows: a `hold`'s savepoint rolled back drops the rows
 * it kept (and, when a read inside the hold wrote the earlier ones to the table, SQLite's rollback undoes those too,
 * so they are kept again here); a whole rollback, or a new group, forgets them all.
 */
import { ROWS_PER_INSERT, rowsInsert } from './sql/rows-insert.js';
import type { Param, Sql } from './sql/work.js';
import type { LoggedEvent } from '../webhook/records.js';

/** Parameters per row: type, account, at, body. */
const COLUMNS = 4;

export class PendingEvents {
  /** The rows not yet in the table, flat (COLUMNS parameters a row). */
  private rows: Param[] = [];
  /** Where the open savepoint began in `rows`, or -1 when none is open. */
  private mark = -1;
  /** The rows before `mark`, when a read inside the savepoint wrote them to the table (its rollback undoes them there). */
  private beforeMark: Param[] | undefined;
  /** Rows kept here so far, ever: added to SQLite's count of changes, so that the gate sees a call that kept one as a write. */
  kept = 0;
  private readonly insert;

  constructor(sql: Sql) {
    this.insert = rowsInsert(sql, 'insert into event_log (type, account, at, body) values', '(?, ?, ?, ?)');
  }

  push(e: Omit<LoggedEvent, 'seq'>): void {
    this.rows.push(e.type, e.account, e.at, e.body);
    this.kept++;
  }

  /** Write the kept rows to the table, in the order they came (inside the open transaction). */
  flush(): void {
    const rows = this.rows;
    if (rows.length === 0) return;
    if (this.mark > 0 && this.beforeMark === undefined) this.beforeMark = rows.slice(0, this.mark);
    if (this.mark >= 0) this.mark = 0;
    this.rows = [];
    const step = ROWS_PER_INSERT * COLUMNS;
    for (let i = 0; i < rows.length; i += step) {
      const chunk = rows.length <= step ? rows : rows.slice(i, i + step);
      this.insert.of(chunk.length / COLUMNS).now!.run(chunk);
    }
  }

  savepoint(): void {
    this.mark = this.rows.length;
    this.beforeMark = undefined;
  }

  release(): void {
    this.mark = -1;
    this.beforeMark = undefined;
  }

  /** The savepoint was rolled back: its rows are gone; rows of the group it wrote to the table come back here. */
  rollbackToSavepoint(): void {
    if (this.beforeMark) this.rows = this.beforeMark;
    else this.rows.length = Math.max(0, this.mark);
    this.release();
  }

  /** The transaction ended without a COMMIT (or a new one begins): nothing kept belongs to it any more. */
  clear(): void {
    this.rows = [];
    this.release();
  }
}
