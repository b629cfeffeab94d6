-- Bearer API tokens for hosts that embed Roster and for scripts. A token acts as the Owner who
-- created it, and only while that person is still an Owner of the organization.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    -- SHA-256 of the token; the token itself is shown once, at creation.
    token_hash TEXT NOT NULL UNIQUE,
    created_by BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_org ON api_tokens(org_id, id);
