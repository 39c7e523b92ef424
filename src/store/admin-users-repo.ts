/**
 * Admin users and their sessions (tables from migration 030). Session ids are random 32-byte
 * tokens; only their SHA-256 is stored, with the session's CSRF token and expiry.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './database.js';
import type { Promised } from './gate.js';
import type { AdminSession, AdminUser, Role } from '../admin/user-record.js';

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: Role;
  locale: string | null;
  created_at: number;
}

const toUser = (r: UserRow): AdminUser => ({
  id: r.id,
  username: r.username,
  role: r.role,
  ...(r.locale != null && { locale: r.locale }),
  createdAt: r.created_at,
});

const hashId = (id: string): string => createHash('sha256').update(id).digest('hex');

/** The synchronous SQLite implementation; callers get its asynchronous view, `AdminUsersRepo`. */
export interface AdminUsersTable {
  count(): number;
  list(): AdminUser[];
  get(id: number): AdminUser | undefined;
  /** The user and the stored password hash, for login. */
  byName(username: string): { user: AdminUser; passwordHash: string } | undefined;
  create(input: { username: string; passwordHash: string; role: Role }): AdminUser;
  /**
   * Create the first user, only while there is none; undefined when one exists. One call, so it is
   * atomic at the store's gate: two setups (or ADMIN_PASSWORD and a setup form) cannot both win.
   */
  createFirst(input: { username: string; passwordHash: string; role: Role }): AdminUser | undefined;
  setRole(id: number, role: Role): void;
  setPassword(id: number, passwordHash: string): void;
  setLocale(id: number, locale: string): void;
  remove(id: number): boolean;
  /** Start a session; returns the raw id for the cookie (never stored). */
  createSession(userId: number, ttlMs: number): { id: string; csrf: string; expiresAt: number };
  session(id: string): AdminSession | undefined;
  endSession(id: string): void;
  endSessionsOf(userId: number): void;
}

export type AdminUsersRepo = Promised<AdminUsersTable>;

/** @example const users = createAdminUsersRepo(db, clock.now); users.count(); */
export function createAdminUsersRepo(db: Db, now: () => number): AdminUsersTable {
  const byId = db.prepare<[number], UserRow>('select * from admin_users where id = ?');
  const byName = db.prepare<[string], UserRow>('select * from admin_users where username = ?');
  const sess = db.prepare<[string, number], UserRow & { csrf: string; expires_at: number }>(
    `select u.*, s.csrf, s.expires_at from admin_sessions s join admin_users u on u.id = s.user_id
     where s.id_hash = ? and s.expires_at > ?`,
  );
  const count = db.prepare<[], { n: number }>('select count(*) as n from admin_users');
  const insertUser = (username: string, passwordHash: string, role: Role): AdminUser => {
    const t = now();
    const info = db
      .prepare('insert into admin_users (username, password_hash, role, created_at, updated_at) values (?, ?, ?, ?, ?)')
      .run(username, passwordHash, role, t, t);
    return toUser(byId.get(Number(info.lastInsertRowid))!);
  };
  return {
    count: () => count.get()!.n,
    list: () => (db.prepare('select * from admin_users order by id').all() as UserRow[]).map(toUser),
    get: (id) => {
      const r = byId.get(id);
      return r ? toUser(r) : undefined;
    },
    byName: (username) => {
      const r = byName.get(username);
      return r ? { user: toUser(r), passwordHash: r.password_hash } : undefined;
    },
    create: ({ username, passwordHash, role }) => insertUser(username, passwordHash, role),
    createFirst: ({ username, passwordHash, role }) => (count.get()!.n === 0 ? insertUser(username, passwordHash, role) : undefined),
    setRole: (id, role) => void db.prepare('update admin_users set role = ?, updated_at = ? where id = ?').run(role, now(), id),
    setPassword: (id, hash) => void db.prepare('update admin_users set password_hash = ?, updated_at = ? where id = ?').run(hash, now(), id),
    setLocale: (id, locale) => void db.prepare('update admin_users set locale = ?, updated_at = ? where id = ?').run(locale, now(), id),
    remove: (id) => db.prepare('delete from admin_users where id = ?').run(id).changes > 0,
    createSession(userId, ttlMs) {
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(24).toString('base64url');
      const t = now();
      // Expired rows are swept here, so the table never grows without bound.
      db.prepare('delete from admin_sessions where expires_at <= ?').run(t);
      db.prepare('insert into admin_sessions (id_hash, user_id, csrf, created_at, expires_at) values (?, ?, ?, ?, ?)').run(
        hashId(id),
        userId,
        csrf,
        t,
        t + ttlMs,
      );
      return { id, csrf, expiresAt: t + ttlMs };
    },
    session(id) {
      const r = sess.get(hashId(id), now());
      return r ? { user: toUser(r), csrf: r.csrf, expiresAt: r.expires_at } : undefined;
    },
    endSession: (id) => void db.prepare('delete from admin_sessions where id_hash = ?').run(hashId(id)),
    endSessionsOf: (userId) => void db.prepare('delete from admin_sessions where user_id = ?').run(userId),
  };
}
