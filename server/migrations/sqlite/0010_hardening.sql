-- Hardening: set-password links instead of a forced change, expiring API tokens, secrets at rest,
-- a quota on mail to outside addresses, and indexes for pruning what has expired.

-- A value encrypted with the server's secret key: at start-up, proves the key given is the one
-- this database's secrets were written with.
CREATE TABLE secret_key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sealed TEXT NOT NULL
);

-- The single-use link an administrator's password reset mails (SHA-256 of its token).
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_resets_user ON password_resets(user_id);
CREATE INDEX password_resets_expiry ON password_resets(expires_at);

-- A reset no longer trusts the old password. Users who still owed a new one after a reset keep
-- no password: their next reset mails them a link.
UPDATE users SET password_hash = NULL WHERE password_must_change = 1;
ALTER TABLE users DROP COLUMN password_must_change;

-- Tokens expire; those made before get 90 days from their creation.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
UPDATE api_tokens SET expires_at = created_at + 90 * 86400;
CREATE INDEX api_tokens_creator ON api_tokens(created_by) WHERE revoked_at IS NULL;

-- The organization whose daily allowance of mail to outside addresses a message used.
ALTER TABLE outbound_mail ADD COLUMN quota_org_id BIGINT;
CREATE INDEX outbound_mail_quota ON outbound_mail(quota_org_id, created_at)
    WHERE quota_org_id IS NOT NULL;
CREATE INDEX outbound_mail_sent ON outbound_mail(sent_at) WHERE sent_at IS NOT NULL;

-- Pruning reads these by age.
CREATE INDEX sign_in_failures_at ON sign_in_failures(at);
CREATE INDEX sessions_expiry ON sessions(expires_at);
CREATE INDEX sessions_idle ON sessions(last_seen_at);
CREATE INDEX idempotency_keys_age ON idempotency_keys(created_at);
