-- A search term without a trigram (two letters, or letters broken by punctuation: "zq", "a.b")
-- narrows nothing through the trigram index, so it was tested on every user of the tab: a pair few
-- users hold, which no bounded walk of the list's order finds, read the whole tab (1,000,000 users,
-- "zq": 0.43 s). Every pair of characters in a row of each user's search text is indexed too; the
-- store looks a term up by its pairs when a sample of the members says few hold it
-- (`Store::pairs_narrow`), and the exact test follows, as for trigrams. Built at start-up like the
-- other indexes, not CONCURRENTLY (as in 0005): about 30 s at 1,000,000 users, with writes to
-- `users` waiting meanwhile.
CREATE FUNCTION search_pairs(text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ARRAY(SELECT DISTINCT substr($1, i, 2) FROM generate_series(1, length($1) - 1) AS i);
CREATE INDEX users_search_pairs ON users USING gin (search_pairs(search_text));
