-- Fencing tokens of account leases (issue 18, cluster mode with REDIS_URL): the highest token any
-- node acquired each account's lease with. A node raises it when it takes an account; every write
-- of an account's runtime runs in a transaction that first reads it, so a node whose lease was
-- taken over (it paused past the lease's time to live) can no longer write about that account.
create table account_fences (
  account_id text primary key,
  token integer not null
);
