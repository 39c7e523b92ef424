-- Accounts, their encrypted sessions, a scoped key-value store, the audit log and settings.
create table accounts (
  id text primary key,
  name text not null,
  enabled integer not null default 1,
  self_name text,
  self_stable_id text,
  created_at integer not null,
  updated_at integer not null
);

create table sessions (
  account_id text primary key references accounts(id) on delete cascade,
  sealed text not null,
  updated_at integer not null
);

create table kv (
  scope text not null,
  key text not null,
  value text not null,
  updated_at integer not null,
  primary key (scope, key)
);

create table audit_log (
  id integer primary key autoincrement,
  at integer not null,
  actor text not null,
  action text not null,
  target text,
  details text
);
create index audit_log_at on audit_log(at);

create table settings (
  key text primary key,
  value text not null
);
