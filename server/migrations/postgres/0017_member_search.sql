-- What a search of the Managed tab reads of each member, apart from the rest of the row: its sort
-- keys and search text, kept by triggers in the transaction of every change (as SQLite's FTS5
-- table `users_search` keeps the text apart). A term many members hold in a stretch of the order
-- (a family name in name order) is answered by sorting every match, which reads each match's row
-- for its sort key: a row of `users` is about 320 bytes, one here about 140, so the matches sit
-- on fewer pages, read sooner (1,000,000 members, "chen", 18,119 matches sorted and counted on the
-- database: 20-27 ms became 15-16 while the machine ran fast, 33-34 became 30-31 while it ran
-- slow). Filters test columns kept only in `users`: a filtered search reads `users` as before.
-- Writes to `users` wait until this migration commits (about 10 s at 1,000,000 members): the lock
-- keeps a change made meanwhile by another replica from landing after the copy below and before
-- the triggers that would have copied it.
LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE member_search (
    id BIGINT PRIMARY KEY,
    org_id BIGINT NOT NULL,
    joined_at BIGINT,
    sort_name TEXT COLLATE "C" NOT NULL,
    email TEXT COLLATE "C" NOT NULL,
    search_text TEXT COLLATE "C" NOT NULL
);
INSERT INTO member_search (id, org_id, joined_at, sort_name, email, search_text)
    SELECT id, org_id, joined_at, sort_name, email, search_text FROM users WHERE org_id IS NOT NULL;
-- Led by the organization, as `users_org_search_trigram` (0013): about 6 s at 1,000,000 members.
CREATE INDEX member_search_trigram ON member_search USING gin (org_id, search_text gin_trgm_ops);
-- Added once the rows are in: one check of them all, where a row-by-row check would lock each
-- member's row in `users` and rewrite its page.
ALTER TABLE member_search ADD CONSTRAINT member_search_id_fkey
    FOREIGN KEY (id) REFERENCES users(id) ON DELETE CASCADE;

CREATE FUNCTION member_search_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.org_id IS NULL THEN
        DELETE FROM member_search WHERE id = NEW.id;
    ELSE
        INSERT INTO member_search (id, org_id, joined_at, sort_name, email, search_text)
            VALUES (NEW.id, NEW.org_id, NEW.joined_at, NEW.sort_name, NEW.email, NEW.search_text)
            ON CONFLICT (id) DO UPDATE SET org_id = EXCLUDED.org_id, joined_at = EXCLUDED.joined_at,
                sort_name = EXCLUDED.sort_name, email = EXCLUDED.email,
                search_text = EXCLUDED.search_text;
    END IF;
    RETURN NULL;
END;
$$;
-- A deleted user's row goes with it (ON DELETE CASCADE).
CREATE TRIGGER member_search_user_inserted AFTER INSERT ON users
    FOR EACH ROW WHEN (NEW.org_id IS NOT NULL) EXECUTE FUNCTION member_search_kept();
CREATE TRIGGER member_search_user_changed
    AFTER UPDATE OF org_id, joined_at, sort_name, email, search_text ON users
    FOR EACH ROW WHEN ((OLD.org_id IS NOT NULL OR NEW.org_id IS NOT NULL)
        AND (OLD.org_id IS DISTINCT FROM NEW.org_id
            OR OLD.joined_at IS DISTINCT FROM NEW.joined_at
            OR OLD.sort_name IS DISTINCT FROM NEW.sort_name
            OR OLD.email IS DISTINCT FROM NEW.email
            OR OLD.search_text IS DISTINCT FROM NEW.search_text))
    EXECUTE FUNCTION member_search_kept();
