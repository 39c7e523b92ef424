-- PostgreSQL keeps its trigram index (pg_trgm GIN on messages.text) itself: there is no FTS trigger to drop
-- (SQLite's migration of this number moves its full-text index writes into the store's group commit).
select 1;
