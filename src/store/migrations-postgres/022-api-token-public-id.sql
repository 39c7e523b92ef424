-- The panel named each API token by its first characters, which were part of its secret. A token is
-- now named by a random public id instead (old values are replaced), and remembers where it came
-- from: made in the panel, or the API_TOKEN setting.

alter table api_tokens rename column prefix to public_id;
update api_tokens set public_id = substr(md5(random()::text || id), 1, 8);
alter table api_tokens add column source text not null default 'panel';
update api_tokens set source = 'config' where name = 'API_TOKEN (config)';
