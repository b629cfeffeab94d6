-- Each user row carries a version, bumped by every change made through the console, so that a
-- change based on a stale view is refused (HTTP ETag / If-Match) instead of overwriting another's.
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
