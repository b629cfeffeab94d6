-- An Idempotency-Key was the organization's: two admins (or two scripts acting as them) who chose
-- the same key got each other's recorded answer, or a refusal for "a different request". A key is
-- now the caller's own, an API token's its creator's (as SQLite's 0024). No reference to users: a deleted user's answers go with
-- the daily pruning, and ids come from sequences that never give one again. The answers recorded
-- so far cannot be given a caller and are dropped: a retry of one within the day invites nobody
-- twice, as the addresses are then invited already. TRUNCATE locks the table at once, so no
-- replica of the version before writes a row without a caller meanwhile (replace them all together).
TRUNCATE idempotency_keys;
ALTER TABLE idempotency_keys ADD COLUMN user_id BIGINT NOT NULL;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (org_id, user_id, idempotency_key);
