-- A send is recorded as handed to WeChat (handed_at) before the call, so that after a crash or a
-- lost answer the queue looks for WeChat's echo of it before sending it again (issue 13).
alter table outbound add column handed_at integer;
-- Echo matching asks whether an own message's MsgId already belongs to a sent row.
create index outbound_wechat on outbound(account_id, wechat_id) where wechat_id is not null;
