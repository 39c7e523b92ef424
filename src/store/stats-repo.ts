/** Daily statistics per account: received, replied, sent, new friends, active chats (UTC days, YYYY-MM-DD). */
import { all, run, twin, type Param, type Sql, type Steps, type Work } from './sql/work.js';
import { ROWS_PER_INSERT, rowsInsert } from './sql/rows-insert.js';
import type { Promised } from './gate.js';

export type StatCounter = 'received' | 'replied' | 'sent' | 'newFriends';

export interface DailyStats {
  account: string;
  day: string;
  received: number;
  replied: number;
  sent: number;
  newFriends: number;
  activeChats: number;
}

/** The repository's shape with plain results; callers get its asynchronous view, `StatsRepo`. */
export interface StatsTable {
  add(account: string, day: string, counter: StatCounter, n?: number): void;
  /** Count a chat as active that day; returns true the first time. */
  touchChat(account: string, day: string, chatId: string): boolean;
  /**
   * A batch of received messages: `n` more received that day, and each of `chats` not yet counted that day counted as
   * active. Returns how many of `chats` were new. Two statements for the whole batch (one when `chats` is empty),
   * where `add` and `touchChat` take one per counter and two per new chat (issue 17: nearly every message of a burst is
   * its chat's first of the day).
   */
  received(account: string, day: string, n: number, chats: readonly string[]): number;
  /** Days from `from` to `to` inclusive (YYYY-MM-DD), oldest first; days without activity are absent. */
  range(account: string, from: string, to: string): DailyStats[];
}

export type StatsRepo = Promised<StatsTable>;

const COLUMN: Record<StatCounter, string> = { received: 'received', replied: 'replied', sent: 'sent', newFriends: 'new_friends' };

/** The parameters of a `daily_chats` insert of `chats[from, to)`. */
function chatParams(account: string, day: string, chats: readonly string[], from: number, to: number): Param[] {
  const params: Param[] = [];
  for (let i = from; i < to; i++) params.push(account, day, chats[i]!);
  return params;
}

export function createStatsRepo(sql: Sql): Steps<StatsTable> {
  const adder = (col: string) =>
    sql.query(
      `insert into daily_stats (account_id, day, ${col}) values (?, ?, ?)
       on conflict(account_id, day) do update set ${col} = daily_stats.${col} + excluded.${col}`,
    );
  const adders = {
    received: adder(COLUMN.received),
    replied: adder(COLUMN.replied),
    sent: adder(COLUMN.sent),
    newFriends: adder(COLUMN.newFriends),
  };
  // A row inserted is a chat new that day.
  const chatsInsert = rowsInsert(sql, 'insert into daily_chats (account_id, day, chat_id) values', '(?, ?, ?)', 'on conflict do nothing');
  const counted = sql.query(
    `insert into daily_stats (account_id, day, received, active_chats) values (?, ?, ?, ?)
     on conflict(account_id, day) do update set received = daily_stats.received + excluded.received,
       active_chats = daily_stats.active_chats + excluded.active_chats`,
  );
  const plainReceived =
    counted.now &&
    ((account: string, day: string, n: number, chats: readonly string[]): number => {
      let fresh = 0;
      for (let i = 0; i < chats.length; i += ROWS_PER_INSERT) {
        const to = Math.min(chats.length, i + ROWS_PER_INSERT);
        fresh += chatsInsert.of(to - i).now!.run(chatParams(account, day, chats, i, to));
      }
      if (n || fresh) counted.now!.run([account, day, n, fresh]);
      return fresh;
    });
  const received = twin(function* (account: string, day: string, n: number, chats: readonly string[]): Work<number> {
    let fresh = 0;
    for (let i = 0; i < chats.length; i += ROWS_PER_INSERT) {
      const to = Math.min(chats.length, i + ROWS_PER_INSERT);
      fresh += yield* run(chatsInsert.of(to - i), ...chatParams(account, day, chats, i, to));
    }
    if (n || fresh) yield* run(counted, account, day, n, fresh);
    return fresh;
  }, plainReceived);
  const range = sql.query('select * from daily_stats where account_id = ? and day >= ? and day <= ? order by day');
  return {
    add: twin(
      function* (account: string, day: string, counter: StatCounter, n = 1): Work<void> {
        yield* run(adders[counter], account, day, n);
      },
      counted.now && ((account, day, counter, n = 1) => void adders[counter].now!.run([account, day, n])),
    ),
    touchChat: twin(
      function* (account: string, day: string, chatId: string): Work<boolean> {
        return (yield* received(account, day, 0, [chatId])) === 1;
      },
      plainReceived && ((account, day, chatId) => plainReceived(account, day, 0, [chatId]) === 1),
    ),
    received,
    *range(account, from, to) {
      const rows = yield* all<{
        account_id: string;
        day: string;
        received: number;
        replied: number;
        sent: number;
        new_friends: number;
        active_chats: number;
      }>(range, account, from, to);
      return rows.map((r) => ({
        account: r.account_id,
        day: r.day,
        received: r.received,
        replied: r.replied,
        sent: r.sent,
        newFriends: r.new_friends,
        activeChats: r.active_chats,
      }));
    },
  };
}
