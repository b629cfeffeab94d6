-- The email and date orders' indexes with each user's search text beside the key, as 0005 did for
-- the name order: a search on a large tab first walks a stretch of the list's order and tests each
-- user's text (`Store::ordered_matches`), and reads no table row for it (1,000,000 users, 5,000
-- users walked by email: 9 to 18 ms through the table).
-- Both are built before either old index is dropped, so reads go on while they build (a dropped
-- index locks the table until the migration commits); not CONCURRENTLY, as in 0005. Then they
-- take the old names, which SQLite's twins keep.
CREATE INDEX users_org_email_search ON users(org_id, email, id) INCLUDE (search_text);
CREATE INDEX users_org_joined_search ON users(org_id, joined_at, id) INCLUDE (search_text);
DROP INDEX users_org_email;
DROP INDEX users_org_joined;
ALTER INDEX users_org_email_search RENAME TO users_org_email;
ALTER INDEX users_org_joined_search RENAME TO users_org_joined;
