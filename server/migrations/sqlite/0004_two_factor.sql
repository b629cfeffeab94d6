-- Two-factor sign-in (TOTP, RFC 6238) with one-time recovery codes.

-- Base32 secret of an enrolled user; `totp_enrolled` is 1 exactly when it is set.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
-- The last time step a code was accepted for: a code is never accepted twice.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
-- Rows from before this migration claimed enrolment without a secret: they were never enrolled.
UPDATE users SET totp_enrolled = 0 WHERE totp_secret IS NULL;

-- A secret being set up in this session, not yet confirmed with a code.
ALTER TABLE sessions ADD COLUMN totp_setup_secret TEXT;

CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- SHA-256 of the normalised code; the code itself is shown once and never stored.
    code_hash TEXT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id, code_hash);
