/**
 * Admin users and their sessions (tables from migration 030). Session ids are random 32-byte
 * tokens; only their SHA-256 is stored, with the session's CSRF token and expiry.
 */
import { createHash, randomBytes } from 'node:crypto';
import { all, atomic, get, run, type Sql, type Steps, type Work } from './sql/work.js';
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

/** The repository's shape with plain results; callers get its asynchronous view, `AdminUsersRepo`. */
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

/** @example const users = createAdminUsersRepo(sql, clock.now); */
export function createAdminUsersRepo(sql: Sql, now: () => number): Steps<AdminUsersTable> {
  const byId = sql.query('select * from admin_users where id = ?');
  // Names compare without ASCII case: SQLite's column is NOCASE, PostgreSQL's unique index is on lower(username).
  const byName = sql.query({ sqlite: 'select * from admin_users where username = ?', postgres: 'select * from admin_users where lower(username) = lower(?)' });
  const sess = sql.query(
    `select u.*, s.csrf, s.expires_at from admin_sessions s join admin_users u on u.id = s.user_id
     where s.id_hash = ? and s.expires_at > ?`,
  );
  const count = sql.query('select count(*) as n from admin_users');
  const list = sql.query('select * from admin_users order by id');
  const insert = sql.query('insert into admin_users (username, password_hash, role, created_at, updated_at) values (?, ?, ?, ?, ?) returning id');
  // Two nodes setting up at once: the second waits here until the first commits, then sees its user.
  const lockUsers = sql.query({ sqlite: 'select 1', postgres: 'lock table admin_users in share row exclusive mode' });
  const setRole = sql.query('update admin_users set role = ?, updated_at = ? where id = ?');
  const setPassword = sql.query('update admin_users set password_hash = ?, updated_at = ? where id = ?');
  const setLocale = sql.query('update admin_users set locale = ?, updated_at = ? where id = ?');
  const remove = sql.query('delete from admin_users where id = ?');
  const sweep = sql.query('delete from admin_sessions where expires_at <= ?');
  const addSession = sql.query('insert into admin_sessions (id_hash, user_id, csrf, created_at, expires_at) values (?, ?, ?, ?, ?)');
  const endSession = sql.query('delete from admin_sessions where id_hash = ?');
  const endSessionsOf = sql.query('delete from admin_sessions where user_id = ?');
  function* insertUser(username: string, passwordHash: string, role: Role): Work<AdminUser> {
    const t = now();
    const { id } = (yield* get<{ id: number }>(insert, username, passwordHash, role, t, t))!;
    return toUser((yield* get<UserRow>(byId, id))!);
  }
  return {
    *count() {
      return (yield* get<{ n: number }>(count))!.n;
    },
    *list() {
      return (yield* all<UserRow>(list)).map(toUser);
    },
    *get(id) {
      const r = yield* get<UserRow>(byId, id);
      return r ? toUser(r) : undefined;
    },
    *byName(username) {
      const r = yield* get<UserRow>(byName, username);
      return r ? { user: toUser(r), passwordHash: r.password_hash } : undefined;
    },
    *create({ username, passwordHash, role }) {
      return yield* insertUser(username, passwordHash, role);
    },
    *createFirst({ username, passwordHash, role }) {
      return yield* atomic(
        (function* () {
          yield* run(lockUsers);
          return (yield* get<{ n: number }>(count))!.n === 0 ? yield* insertUser(username, passwordHash, role) : undefined;
        })(),
      );
    },
    *setRole(id, role) {
      yield* run(setRole, role, now(), id);
    },
    *setPassword(id, hash) {
      yield* run(setPassword, hash, now(), id);
    },
    *setLocale(id, locale) {
      yield* run(setLocale, locale, now(), id);
    },
    *remove(id) {
      return (yield* run(remove, id)) > 0;
    },
    *createSession(userId, ttlMs) {
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(24).toString('base64url');
      const t = now();
      // Expired rows are swept here, so the table never grows without bound.
      yield* run(sweep, t);
      yield* run(addSession, hashId(id), userId, csrf, t, t + ttlMs);
      return { id, csrf, expiresAt: t + ttlMs };
    },
    *session(id) {
      const r = yield* get<UserRow & { csrf: string; expires_at: number }>(sess, hashId(id), now());
      return r ? { user: toUser(r), csrf: r.csrf, expiresAt: r.expires_at } : undefined;
    },
    *endSession(id) {
      yield* run(endSession, hashId(id));
    },
    *endSessionsOf(userId) {
      yield* run(endSessionsOf, userId);
    },
  };
}
