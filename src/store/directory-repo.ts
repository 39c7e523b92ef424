/** Snapshots of each account's contacts and rooms, kept current by the bot for the panel and the API. */
import type { Contact, Room } from '../transport/model.js';
import type { Db } from './database.js';
import type { Promised } from './gate.js';

/** The synchronous SQLite implementation; callers get its asynchronous view, `DirectoryRepo`. */
export interface DirectoryTable {
  /** Replace the account's whole snapshot (after a full load), in one transaction. */
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

export function createDirectoryRepo(db: Db, now: () => number = Date.now): DirectoryTable {
  const upC = db.prepare(
    `insert into contacts (account_id, id, stable_id, name, remark, alias, kind, data, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict(account_id, id) do update set stable_id = excluded.stable_id, name = excluded.name, remark = excluded.remark,
       alias = excluded.alias, kind = excluded.kind, data = excluded.data, updated_at = excluded.updated_at`,
  );
  const upR = db.prepare(
    `insert into rooms (account_id, id, stable_id, topic, member_count, data, updated_at) values (?, ?, ?, ?, ?, ?, ?)
     on conflict(account_id, id) do update set stable_id = excluded.stable_id, topic = excluded.topic,
       member_count = excluded.member_count, data = excluded.data, updated_at = excluded.updated_at`,
  );
  const delC = db.prepare('delete from contacts where account_id = ? and id = ?');
  const delR = db.prepare('delete from rooms where account_id = ? and id = ?');
  const clearC = db.prepare('delete from contacts where account_id = ?');
  const clearR = db.prepare('delete from rooms where account_id = ?');
  const putC = (account: string, c: Contact, t: number): void => {
    upC.run(account, c.id, c.stableId ?? null, c.name, c.remark ?? null, c.alias ?? null, c.kind, JSON.stringify(c), t);
  };
  const putR = (account: string, r: Room, t: number): void => {
    upR.run(account, r.id, r.stableId ?? null, r.topic, r.memberCount, JSON.stringify(r), t);
  };
  const replaceAll = db.transaction((account: string, contacts: Contact[], rooms: Room[]) => {
    const t = now();
    clearC.run(account);
    clearR.run(account);
    for (const c of contacts) putC(account, c, t);
    for (const r of rooms) putR(account, r, t);
  });
  return {
    replaceAll: (account, contacts, rooms) => replaceAll(account, contacts, rooms),
    upsertContact: (account, c) => putC(account, c, now()),
    deleteContact: (account, id) => void delC.run(account, id),
    upsertRoom: (account, r) => putR(account, r, now()),
    deleteRoom: (account, id) => void delR.run(account, id),
    contacts: (account) =>
      (db.prepare('select data from contacts where account_id = ? order by name').all(account) as { data: string }[]).map((r) => JSON.parse(r.data) as Contact),
    rooms: (account) =>
      (db.prepare('select data from rooms where account_id = ? order by topic').all(account) as { data: string }[]).map((r) => JSON.parse(r.data) as Room),
    clear: db.transaction((account: string) => {
      clearC.run(account);
      clearR.run(account);
    }),
  };
}
