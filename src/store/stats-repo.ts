/** Daily statistics per account: received, replied, sent, new friends, active chats (UTC days, YYYY-MM-DD). */
import { all, run, twin, type Sql, type Steps, type Work } from './sql/work.js';
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
  /** Days from `from` to `to` inclusive (YYYY-MM-DD), oldest first; days without activity are absent. */
  range(account: string, from: string, to: string): DailyStats[];
}

export type StatsRepo = Promised<StatsTable>;

const COLUMN: Record<StatCounter, string> = { received: 'received', replied: 'replied', sent: 'sent', newFriends: 'new_friends' };

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
  const chat = sql.query('insert into daily_chats (account_id, day, chat_id) values (?, ?, ?) on conflict do nothing');
  const active = sql.query(
    `insert into daily_stats (account_id, day, active_chats) values (?, ?, 1)
     on conflict(account_id, day) do update set active_chats = daily_stats.active_chats + 1`,
  );
  const range = sql.query('select * from daily_stats where account_id = ? and day >= ? and day <= ? order by day');
  return {
    add: twin(
      function* (account: string, day: string, counter: StatCounter, n = 1): Work<void> {
        yield* run(adders[counter], account, day, n);
      },
      chat.now && ((account, day, counter, n = 1) => void adders[counter].now!.run([account, day, n])),
    ),
    touchChat: twin(
      function* (account: string, day: string, chatId: string): Work<boolean> {
        if ((yield* run(chat, account, day, chatId)) === 0) return false;
        yield* run(active, account, day);
        return true;
      },
      chat.now &&
        ((account, day, chatId) => {
          if (chat.now!.run([account, day, chatId]) === 0) return false;
          active.now!.run([account, day]);
          return true;
        }),
    ),
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
