-- The chat's name when the message was stored (issue 16): web-protocol chat ids change at every
-- login, so history written before a re-login still shows a name instead of a stale `@…` id.
alter table messages add column chat_name text;
