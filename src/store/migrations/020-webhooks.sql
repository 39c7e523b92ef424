-- Webhooks out: endpoints (secrets sealed with the store's SecretBox), the durable outbox of
-- deliveries (one row per event and endpoint), and every delivery attempt.

create table webhook_endpoints (
  id text primary key,
  url text not null,
  description text not null default '',
  secret_sealed text not null,
  -- the secret before the last rotation, still signing until old_secret_until
  old_secret_sealed text,
  old_secret_until integer,
  -- JSON arrays; an empty array means "all"
  event_types text not null default '[]',
  accounts text not null default '[]',
  chats text not null default '[]',
  keywords text not null default '[]',
  include_self integer not null default 0,
  enabled integer not null default 1,
  -- 'panel', 'api' or 'config'
  source text not null default 'panel',
  created_at integer not null,
  updated_at integer not null
);

create table webhook_deliveries (
  seq integer primary key autoincrement,
  -- the Standard Webhooks message id: stable across retries and redeliveries
  webhook_id text not null,
  endpoint_id text not null references webhook_endpoints(id) on delete cascade,
  event_type text not null,
  account text not null,
  -- deliveries with the same (endpoint, chat key) go out one at a time, in seq order
  chat_key text not null,
  body text not null,
  -- pending | delivering | delivered | dead
  status text not null,
  attempts integer not null default 0,
  next_at integer not null,
  give_up_at integer not null,
  last_status integer,
  last_error text,
  created_at integer not null,
  updated_at integer not null,
  delivered_at integer
);
create unique index webhook_deliveries_webhook_id on webhook_deliveries(endpoint_id, webhook_id);
-- the queue: only unfinished rows, walked per (endpoint, chat) in seq order
create index webhook_deliveries_active on webhook_deliveries(endpoint_id, chat_key, seq)
  where status in ('pending', 'delivering');
create index webhook_deliveries_list on webhook_deliveries(endpoint_id, status, seq);
create index webhook_deliveries_done on webhook_deliveries(status, updated_at);

create table webhook_attempts (
  id integer primary key autoincrement,
  delivery_seq integer not null references webhook_deliveries(seq) on delete cascade,
  at integer not null,
  status_code integer,
  duration_ms integer not null,
  -- the first 1 KiB of the answer
  response text,
  error text
);
create index webhook_attempts_delivery on webhook_attempts(delivery_seq, id);

-- small sealed values of the webhook service (the media-link signing key)
create table webhook_meta (
  key text primary key,
  value text not null
);
