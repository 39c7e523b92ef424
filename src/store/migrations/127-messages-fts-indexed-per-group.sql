-- The full-text index of new messages is written by the store, one statement per group commit
-- (messages-repo `indexPending`, run just before each COMMIT, so a message and its index entry still
-- commit together), not by a trigger per row: one statement for a group's rows costs about half of
-- one index insert per message (issue 17). The delete and update triggers stay.
drop trigger messages_fts_insert;
