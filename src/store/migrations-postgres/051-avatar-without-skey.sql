-- Avatars were kept as WeChat's HeadImgUrl, which carries the session's skey (issue 13). New
-- entries keep the path without it; drop the old ones (downloads fall back to the user name, and
-- the next login writes clean paths).
update contacts set data = (data::jsonb - 'avatar')::text where data::jsonb ->> 'avatar' like '%skey=%';
update rooms set data = (data::jsonb - 'avatar')::text where data::jsonb ->> 'avatar' like '%skey=%';
