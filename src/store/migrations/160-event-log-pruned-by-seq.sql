-- The event log is pruned in seq order (event-log-repo `prune`: the rows before the oldest one still kept, found by
-- reading from the oldest), not through an index of times: that index took a B-tree insert and a page in each COMMIT
-- for three rows per echoed message (issue 17), for a prune that runs once per thousand events.
drop index event_log_at;
