-- SCIM 2.0 provisioning: identity providers manage the organization's users with tokens of their own.

-- A provisioning token belongs to the organization, not to the Owner who made it: an identity
-- provider's connection keeps working when that person leaves. It reaches /scim/v2 only.
CREATE TABLE scim_tokens (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    -- SHA-256 of the token; the token itself is shown once, at creation.
    token_hash TEXT NOT NULL UNIQUE,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX scim_tokens_org ON scim_tokens(org_id, id);

-- The identity provider's own id for a user (SCIM externalId) and the name it displays (SCIM
-- displayName; the console shows given and family name), both the organization's: removal clears
-- them. And when the user last changed (SCIM meta.lastModified; NULL for rows unchanged since
-- before this column: read as created_at).
ALTER TABLE users ADD COLUMN external_id TEXT;
ALTER TABLE users ADD COLUMN display_name TEXT;
ALTER TABLE users ADD COLUMN modified_at BIGINT;
CREATE INDEX users_org_external_id ON users(org_id, external_id) WHERE external_id IS NOT NULL;

-- When the access to an account last changed (SCIM Groups' meta.lastModified: each account × role
-- is a group). Triggers keep it, so no path that grants or takes access can forget it.
-- (PostgreSQL: the same triggers, with extract(epoch from now()).)
ALTER TABLE accounts ADD COLUMN access_changed_at BIGINT;
CREATE TRIGGER account_access_inserted AFTER INSERT ON account_access BEGIN
    UPDATE accounts SET access_changed_at = unixepoch() WHERE id = new.account_id;
END;
CREATE TRIGGER account_access_updated AFTER UPDATE OF roles ON account_access BEGIN
    UPDATE accounts SET access_changed_at = unixepoch() WHERE id = new.account_id;
END;
CREATE TRIGGER account_access_deleted AFTER DELETE ON account_access BEGIN
    UPDATE accounts SET access_changed_at = unixepoch() WHERE id = old.account_id;
END;

-- The identity provider's id (SCIM externalId) of a group: an account × role.
CREATE TABLE scim_groups (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    external_id TEXT NOT NULL,
    PRIMARY KEY (account_id, role)
);
