-- A search term without a trigram (two letters, or letters broken by punctuation: "zq", "a.b")
-- narrows nothing through the trigram index, so it tested every user of the tab: a pair few users
-- hold, which no bounded walk of the list's order finds, read the whole tab (1,000,000 users, "zq":
-- 0.31 s). Every pair of characters in a row of each user's search text is indexed too, and a term
-- of two characters or more is looked up by its pairs (the exact test follows, as for trigrams).
CREATE FUNCTION search_pairs(text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ARRAY(SELECT DISTINCT substr($1, i, 2) FROM generate_series(1, length($1) - 1) AS i);
CREATE INDEX users_search_pairs ON users USING gin (search_pairs(search_text));
