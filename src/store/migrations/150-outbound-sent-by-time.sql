-- The echo lookup's claim check (outbound `findEcho`: is this own message already some sent row's MsgId?) reads the
-- account's rows sent since a bound, in the order they were sent, instead of an index of MsgIds: those are random, so
-- that index cost nearly every sent row a page write of its own in each COMMIT (issue 17), while this one grows at its
-- end. A row that claims a message was sent after WeChat wrote it, so the rows sent since shortly before the hand-over
-- are all it needs to read. It also counts today's sent rows (pacing) without reading every sent row of the account.
drop index outbound_wechat;
create index outbound_sent on outbound(account_id, sent_at, wechat_id) where wechat_id is not null;
