-- iLink (../shared/ilink.md): outbound rows that wait for the user to write again (reply window or
-- quota), and the keys of inbound messages already handled (exactly-once across restarts).

-- When the row started waiting (status 'waiting-for-user'); the reason is in error_message.
alter table outbound add column held_at integer;

create table seen_keys (
  account_id text not null,
  key text not null,
  at integer not null,
  primary key (account_id, key)
) without rowid;
create index seen_keys_at on seen_keys(account_id, at);
