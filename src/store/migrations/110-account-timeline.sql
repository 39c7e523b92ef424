-- Each account's state changes with their reasons (login, logout with WeChat's code, failed logins
-- and the back-off before the next attempt), kept so that a returning admin sees what happened
-- after the account restarted itself (issue 16 item 10). Bounded per account by the repository.
create table account_timeline (
  id integer primary key autoincrement,
  account_id text not null,
  at integer not null,
  kind text not null,
  data text not null default '{}'
);
create index account_timeline_account on account_timeline(account_id, id);
