-- The media-link key of webhooks moves to the settings table, beside the panel's cookie key: one
-- place for installation-wide sealed keys (the value stays sealed with the same SecretBox).
insert into settings (key, value) select 'webhook.media-key', value from webhook_meta where key = 'media_key' on conflict do nothing;
drop table webhook_meta;
