-- `member_search` in eight partitions by the first word of the name order (the family name, or
-- the given name of someone with none): members who share a family name sit in one partition, on
-- about an eighth of the table's pages, where rows written as members joined scattered them over
-- all of it. A family name many members hold is what sorting every match reads most of
-- (1,000,000 members, "chen": 18,119 matches on 11,766 pages, now on 2,232), and the matches of a
-- term spread over the name order (a given name) read no more than before. On the database,
-- "chen" took 15.5-18.1 ms and now 9.5-10.2, "yilmaz" 15.7-16.2 and now 8.8-9.5; a term nobody
-- holds costs 0.2 ms more (eight indexes to look in, not one).
-- Hashed, not ranges of letters: names of any script spread over the partitions alike.
-- A partitioned table cannot have a unique index that leaves out its key: the triggers, which
-- delete a member's row before writing it anew, keep one row per member.
-- Until this migration commits (about 7 s at 1,000,000 members), writes to `users` wait, as in
-- 0017, and so do searches of the Managed tab, which read the table renamed here.
LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE;
ALTER TABLE member_search RENAME TO member_search_unpartitioned;
CREATE TABLE member_search (
    id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    joined_at BIGINT,
    sort_name TEXT COLLATE "C" NOT NULL,
    email TEXT COLLATE "C" NOT NULL,
    search_text TEXT COLLATE "C" NOT NULL
) PARTITION BY HASH ((split_part(sort_name, ' ', 1)));
CREATE TABLE member_search_0 PARTITION OF member_search FOR VALUES WITH (MODULUS 8, REMAINDER 0);
CREATE TABLE member_search_1 PARTITION OF member_search FOR VALUES WITH (MODULUS 8, REMAINDER 1);
CREATE TABLE member_search_2 PARTITION OF member_search FOR VALUES WITH (MODULUS 8, REMAINDER 2);
CREATE TABLE member_search_3 PARTITION OF member_search FOR VALUES WITH (MODULUS 8, REMAINDER 3);
CREATE TABLE member_search_4 PARTITION OF member_search FOR VALUES WITH (MODULUS 8, REMAINDER 4);
CREATE TABLE member_search_5 PARTITION OF member_search FOR VALUES WITH (MODULUS 8, REMAINDER 5);
CREATE TABLE member_search_6 PARTITION OF member_search FOR VALUES WITH (MODULUS 8, REMAINDER 6);
CREATE TABLE member_search_7 PARTITION OF member_search FOR VALUES WITH (MODULUS 8, REMAINDER 7);
INSERT INTO member_search (id, org_id, joined_at, sort_name, email, search_text)
    SELECT id, org_id, joined_at, sort_name, email, search_text FROM member_search_unpartitioned;
DROP TABLE member_search_unpartitioned;
CREATE INDEX member_search_trigram ON member_search USING gin (org_id, search_text gin_trgm_ops);
-- The triggers' and the foreign key's deletes find a member's row by id.
CREATE INDEX member_search_id ON member_search (id);
ALTER TABLE member_search ADD CONSTRAINT member_search_id_fkey
    FOREIGN KEY (id) REFERENCES users(id) ON DELETE CASCADE;

-- A change may move the row to another partition: it is deleted and written anew, where the upsert
-- of 0017 needed a unique index on id.
CREATE OR REPLACE FUNCTION member_search_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM member_search WHERE id = NEW.id;
    END IF;
    IF NEW.org_id IS NOT NULL THEN
        INSERT INTO member_search (id, org_id, joined_at, sort_name, email, search_text)
            VALUES (NEW.id, NEW.org_id, NEW.joined_at, NEW.sort_name, NEW.email, NEW.search_text);
    END IF;
    RETURN NULL;
END;
$$;
