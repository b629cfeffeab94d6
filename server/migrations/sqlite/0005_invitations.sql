-- Invitations that can be accepted by link, bulk requests that can be retried safely, and mail
-- that is queued in the same transaction as the change it announces.

-- SHA-256 of the single-use token in the invitation link; NULL once used or revoked.
ALTER TABLE invitations ADD COLUMN token_hash TEXT;
ALTER TABLE invitations ADD COLUMN accepted_at BIGINT;
ALTER TABLE invitations ADD COLUMN revoked_at BIGINT;
CREATE UNIQUE INDEX invitations_token ON invitations(token_hash);
CREATE INDEX invitations_user ON invitations(user_id);

-- The first answer to a request with an Idempotency-Key, replayed when the same request comes again.
CREATE TABLE idempotency_keys (
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    idempotency_key TEXT NOT NULL,
    -- SHA-256 of the request body: the same key with another body is refused.
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, idempotency_key)
);

-- Mail waiting to be delivered (an outbox): written with the change it announces, delivered after.
-- Bodies are cleared once delivered, as they may carry single-use links.
CREATE TABLE outbound_mail (
    id INTEGER PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT,
    html_body TEXT,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbound_mail_due ON outbound_mail(sent_at, next_attempt_at);
