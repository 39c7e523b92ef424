-- Messages get a unique, ordered key and a full-text index.
--
-- `seq` is the order the store received each message (an INTEGER PRIMARY KEY, so it is the rowid
-- and survives VACUUM, which may renumber an implicit rowid). Lists page on it (keyset paging):
-- `created_at` is not unique (the web protocol gives whole seconds; thousands of messages can share
-- one), so paging on it lost or repeated messages.
--
-- `messages_fts` is an FTS5 index over the text with the trigram tokenizer (substrings in any
-- script, Chinese included, case-insensitive). It is an external-content table over `messages`,
-- kept in step by the triggers below, and filled from the existing rows here.

create table messages_new (
  seq integer primary key,
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
  extra text
);
insert into messages_new (account_id, id, chat_id, room_id, sender_id, sender_name, to_id, is_self, type, text, mentions_self, created_at, recalled, extra)
  select account_id, id, chat_id, room_id, sender_id, sender_name, to_id, is_self, type, text, mentions_self, created_at, recalled, extra
  from messages order by created_at, rowid;
drop table messages;
alter table messages_new rename to messages;

create unique index messages_id on messages(account_id, id);
-- Each index ends, implicitly, with the rowid (seq): newest-first pages per account and per chat.
create index messages_account on messages(account_id);
create index messages_chat_seq on messages(account_id, chat_id);
-- The panel's recent chats (last message time per chat).
create index messages_chat on messages(account_id, chat_id, created_at);

create virtual table messages_fts using fts5(text, content = 'messages', content_rowid = 'seq', tokenize = 'trigram');
insert into messages_fts(messages_fts) values ('rebuild');

create trigger messages_fts_insert after insert on messages begin
  insert into messages_fts(rowid, text) values (new.seq, new.text);
end;
create trigger messages_fts_delete after delete on messages begin
  insert into messages_fts(messages_fts, rowid, text) values ('delete', old.seq, old.text);
end;
create trigger messages_fts_update after update of text on messages begin
  insert into messages_fts(messages_fts, rowid, text) values ('delete', old.seq, old.text);
  insert into messages_fts(rowid, text) values (new.seq, new.text);
end;
