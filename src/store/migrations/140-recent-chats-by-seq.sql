-- The panel's recent chats take each chat's newest stored message (its highest seq, the last entry of the chat in
-- messages_chat_seq), not its newest message time from an index of times per chat: that index's entries are spread
-- over all chats, so it cost nearly every message a page write of its own in each COMMIT (issue 17: a fifth of the
-- store's writes per echo). The echo lookup of a send handed over before (outbound `findEcho`) reads the chat's rows
-- through messages_chat_seq instead.
drop index messages_chat;
