-- An Idempotency-Key was the organization's: two admins (or two scripts acting as them) who chose
-- the same key got each other's recorded answer, or a refusal for "a different request". A key is
-- now the caller's own (an API token's, its creator's), as clients choose keys without knowing
-- each other's. No reference to users: a deleted user's answers go with the daily pruning, and
-- user ids are never given again (0023). The answers recorded so far cannot be given a caller and
-- are dropped: a retry of one within the day invites nobody twice, as the addresses are then
-- invited already.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    user_id BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL,
    -- SHA-256 of the request body: the same key with another body is refused.
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id, idempotency_key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys(created_at);
