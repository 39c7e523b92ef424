-- Each account speaks one transport, chosen when it is added: the web protocol or iLink (issue 15).
alter table accounts add column transport text not null default 'web';
