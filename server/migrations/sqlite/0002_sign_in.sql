-- Sign-in: passwords, sessions, failed attempts (for slowing down guessing) and the audit log.

ALTER TABLE users ADD COLUMN password_hash TEXT;
-- Set by a password reset: the user must choose a new password right after signing in.
ALTER TABLE users ADD COLUMN password_must_change INTEGER NOT NULL DEFAULT 0;

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    -- SHA-256 of the random token in the cookie; the token itself is never stored.
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    client_addr TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_email ON sign_in_failures(email, at);
CREATE INDEX sign_in_failures_addr ON sign_in_failures(client_addr, at);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    org_id BIGINT REFERENCES organizations(id),
    actor_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    -- Kept as text too, so the log still says who once the user is deleted.
    actor_label TEXT,
    action TEXT NOT NULL,
    target_id BIGINT,
    target_label TEXT,
    details TEXT NOT NULL DEFAULT '{}',
    client_addr TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX audit_events_org ON audit_events(org_id, id);
