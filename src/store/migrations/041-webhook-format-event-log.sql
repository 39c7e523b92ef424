-- Webhook endpoints get a delivery format: 'standard' (Standard Webhooks, signed JSON) or
-- 'wechatbot-webhook' (the multipart callback of danni-cool/wechatbot-webhook, for its users).
alter table webhook_endpoints add column format text not null default 'standard';

-- Every journalled event once, in commit order, with the same JSON body a webhook carries: the
-- durable source of GET /api/v1/events (its seq is the SSE event id, so Last-Event-ID resumes).
create table event_log (
  seq integer primary key autoincrement,
  type text not null,
  account text not null,
  at integer not null,
  body text not null
);
create index event_log_account on event_log(account, seq);
create index event_log_at on event_log(at);
