-- Issue 16, the Chinese panel: a plugin failure keeps the phrase (code and parameters, JSON) that
-- the panel says in the reader's language; the English message stays for logs and the API.
alter table plugin_errors add column phrase text;
-- The stable identity of a message's chat (the directory's stableId, which outlives a web login),
-- so that the recent chats of one person before and after a re-login are one chat.
alter table messages add column chat_stable_id text;
