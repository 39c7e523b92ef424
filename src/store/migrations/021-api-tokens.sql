-- HTTP API: bearer tokens (sha256 of the token only) and stored answers for Idempotency-Key.

create table api_tokens (
  id text primary key,
  name text not null,
  hash text not null unique,
  -- the first characters of the token, to recognise it in the panel
  prefix text not null,
  read_only integer not null default 0,
  created_at integer not null,
  last_used_at integer,
  revoked_at integer
);

create table api_idempotency (
  token_id text not null,
  key text not null,
  -- sha256 of method, path and body: the same key with another request is refused
  request_hash text not null,
  -- 'running' while the first request is being answered, then 'done'
  state text not null,
  status integer,
  body text,
  created_at integer not null,
  primary key (token_id, key)
);
create index api_idempotency_created on api_idempotency(created_at);
