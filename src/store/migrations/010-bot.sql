-- The bot runtime: messages, contact and room snapshots, the durable outbound queue, plugin
-- settings, plugin errors, decision traces and daily statistics. All rows are per account.

create table messages (
  account_id text not null,
  id text not null,
  chat_id text not null,
  room_id text,
  sender_id text not null,
  sender_name text,
  to_id text not null,
  is_self integer not null,
  type text not null,
  text text not null,
  mentions_self integer not null default 0,
  created_at integer not null,
  recalled integer not null default 0,
  -- media / link / location / card / mentions, as JSON, only when present
  extra text,
  primary key (account_id, id)
);
create index messages_chat on messages(account_id, chat_id, created_at);
create index messages_time on messages(account_id, created_at);

create table contacts (
  account_id text not null,
  id text not null,
  stable_id text,
  name text not null,
  remark text,
  alias text,
  kind text not null,
  data text not null,
  updated_at integer not null,
  primary key (account_id, id)
);

create table rooms (
  account_id text not null,
  id text not null,
  stable_id text,
  topic text not null,
  member_count integer not null,
  data text not null,
  updated_at integer not null,
  primary key (account_id, id)
);

create table outbound (
  -- rowid alias, grows with each insert (no AUTOINCREMENT: it would rewrite sqlite_sequence per send)
  seq integer primary key,
  id text not null unique,
  account_id text not null,
  chat_id text not null,
  type text not null,
  text text,
  file_name text,
  file_mime text,
  file_data blob,
  -- the forwarded message (JSON) for type 'forward'
  payload text,
  status text not null,
  wechat_id text,
  error_code integer,
  error_message text,
  source text,
  reply_to text,
  idempotency_key text,
  attempts integer not null default 0,
  created_at integer not null,
  sent_at integer
);
create index outbound_pending on outbound(account_id, status, seq);
create unique index outbound_idempotency on outbound(account_id, idempotency_key) where idempotency_key is not null;

create table plugin_settings (
  account_id text not null,
  plugin text not null,
  enabled integer not null,
  position integer not null,
  config text not null,
  updated_at integer not null,
  primary key (account_id, plugin)
);

create table plugin_errors (
  id integer primary key autoincrement,
  account_id text not null,
  plugin text not null,
  kind text not null,
  message text not null,
  stack text,
  message_id text,
  at integer not null
);
create index plugin_errors_account on plugin_errors(account_id, plugin, id);

create table decision_traces (
  id integer primary key autoincrement,
  account_id text not null,
  message_id text not null,
  chat_id text not null,
  trace text not null,
  at integer not null
);
create index decision_traces_account on decision_traces(account_id, id);

create table daily_stats (
  account_id text not null,
  day text not null,
  received integer not null default 0,
  replied integer not null default 0,
  sent integer not null default 0,
  new_friends integer not null default 0,
  active_chats integer not null default 0,
  primary key (account_id, day)
);

create table daily_chats (
  account_id text not null,
  day text not null,
  chat_id text not null,
  primary key (account_id, day, chat_id)
) without rowid;
