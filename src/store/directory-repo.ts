/** Snapshots of each account's contacts and rooms, kept current by the bot for the panel and the API. */
import type { Contact, Room } from '../transport/model.js';
import { all, atomic, run, type Sql, type Steps, type Work } from './sql/work.js';
import type { Promised } from './gate.js';

/** The repository's shape with plain results; callers get its asynchronous view, `DirectoryRepo`. */
export interface DirectoryTable {
  /**
   * Replace the account's whole snapshot (after a full load), in one transaction: only the rows that
   * changed are written, and those no longer in it deleted.
   */
  replaceAll(account: string, contacts: Contact[], rooms: Room[]): void;
  upsertContact(account: string, contact: Contact): void;
  deleteContact(account: string, id: string): void;
  upsertRoom(account: string, room: Room): void;
  deleteRoom(account: string, id: string): void;
  contacts(account: string): Contact[];
  rooms(account: string): Room[];
  clear(account: string): void;
}

export type DirectoryRepo = Promised<DirectoryTable>;

interface StoredRow {
  id: string;
  data: string;
}

/**
 * Make the stored rows say what `items` say: a row whose JSON is unchanged is left alone. A restart
 * brings back every account's whole directory, nearly always as it was: rewriting it all (500
 * contacts an account, each row and its index entries) was most of what a restored login wrote.
 */
function* replaceRows<T extends { id: string }>(
  stored: StoredRow[],
  items: T[],
  put: (item: T, data: string) => Work<number>,
  remove: (id: string) => Work<number>,
): Work<void> {
  const old = new Map<string, string>();
  for (const row of stored) old.set(row.id, row.data);
  for (const item of items) {
    const data = JSON.stringify(item);
    if (old.get(item.id) !== data) yield* put(item, data);
    // A second entry of the same id is written again (the last one wins, as before).
    old.delete(item.id);
  }
  for (const id of old.keys()) yield* remove(id);
}

export function createDirectoryRepo(sql: Sql, now: () => number = Date.now): Steps<DirectoryTable> {
  const upC = sql.query(
    `insert into contacts (account_id, id, stable_id, name, remark, alias, kind, data, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict(account_id, id) do update set stable_id = excluded.stable_id, name = excluded.name, remark = excluded.remark,
       alias = excluded.alias, kind = excluded.kind, data = excluded.data, updated_at = excluded.updated_at`,
  );
  const upR = sql.query(
    `insert into rooms (account_id, id, stable_id, topic, member_count, data, updated_at) values (?, ?, ?, ?, ?, ?, ?)
     on conflict(account_id, id) do update set stable_id = excluded.stable_id, topic = excluded.topic,
       member_count = excluded.member_count, data = excluded.data, updated_at = excluded.updated_at`,
  );
  const delC = sql.query('delete from contacts where account_id = ? and id = ?');
  const delR = sql.query('delete from rooms where account_id = ? and id = ?');
  const clearC = sql.query('delete from contacts where account_id = ?');
  const clearR = sql.query('delete from rooms where account_id = ?');
  const storedC = sql.query('select id, data from contacts where account_id = ?');
  const storedR = sql.query('select id, data from rooms where account_id = ?');
  const contacts = sql.query('select data from contacts where account_id = ? order by name');
  const rooms = sql.query('select data from rooms where account_id = ? order by topic');
  const putC = (account: string, c: Contact, t: number, data = JSON.stringify(c)): Work<number> =>
    run(upC, account, c.id, c.stableId ?? null, c.name, c.remark ?? null, c.alias ?? null, c.kind, data, t);
  const putR = (account: string, r: Room, t: number, data = JSON.stringify(r)): Work<number> =>
    run(upR, account, r.id, r.stableId ?? null, r.topic, r.memberCount, data, t);
  function* clear(account: string): Work<void> {
    yield* run(clearC, account);
    yield* run(clearR, account);
  }
  return {
    *replaceAll(account, list, roomList) {
      yield* atomic(
        (function* () {
          const t = now();
          yield* replaceRows(
            yield* all<StoredRow>(storedC, account),
            list,
            (c, data) => putC(account, c, t, data),
            (id) => run(delC, account, id),
          );
          yield* replaceRows(
            yield* all<StoredRow>(storedR, account),
            roomList,
            (r, data) => putR(account, r, t, data),
            (id) => run(delR, account, id),
          );
        })(),
      );
    },
    *upsertContact(account, c) {
      yield* putC(account, c, now());
    },
    *deleteContact(account, id) {
      yield* run(delC, account, id);
    },
    *upsertRoom(account, r) {
      yield* putR(account, r, now());
    },
    *deleteRoom(account, id) {
      yield* run(delR, account, id);
    },
    *contacts(account) {
      return (yield* all<{ data: string }>(contacts, account)).map((r) => JSON.parse(r.data) as Contact);
    },
    *rooms(account) {
      return (yield* all<{ data: string }>(rooms, account)).map((r) => JSON.parse(r.data) as Room);
    },
    *clear(account) {
      yield* atomic(clear(account));
    },
  };
}
