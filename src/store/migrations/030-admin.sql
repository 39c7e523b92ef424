-- The admin panel: users with roles and their login sessions. Session ids are stored hashed, so a
-- copy of the database does not let anyone log in; the CSRF token lives with the session.
create table admin_users (
  id integer primary key autoincrement,
  username text not null unique collate nocase,
  password_hash text not null,
  role text not null check (role in ('admin', 'operator', 'viewer')),
  locale text,
  created_at integer not null,
  updated_at integer not null
);

create table admin_sessions (
  id_hash text primary key,
  user_id integer not null references admin_users(id) on delete cascade,
  csrf text not null,
  created_at integer not null,
  expires_at integer not null
);
create index admin_sessions_expiry on admin_sessions(expires_at);
