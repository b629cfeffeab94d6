-- Roster's initial schema (SQLite). Queries in store.rs stay in the SQL subset PostgreSQL shares;
-- timestamps are Unix seconds (BIGINT), booleans are 0/1 integers, enums are TEXT.

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    bulk_import_enabled INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- A user is a managed user of at most one organization, so membership lives on the row itself
-- (org_id, org_role, joined_at, member_source), which lets one index per sort order serve the Managed tab.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    given_name TEXT NOT NULL DEFAULT '',
    family_name TEXT NOT NULL DEFAULT '',
    -- lower(family given email): the "name" sort key.
    sort_name TEXT NOT NULL,
    -- lower(given family email): what substring search matches.
    search_text TEXT NOT NULL,
    status TEXT NOT NULL,
    totp_enrolled INTEGER NOT NULL DEFAULT 0,
    two_factor_required INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_sign_in_at BIGINT,
    org_id BIGINT REFERENCES organizations(id),
    org_role TEXT,
    joined_at BIGINT,
    -- 'invited' or 'imported': how the user became a member.
    member_source TEXT,
    imported_by BIGINT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX users_org_name ON users(org_id, sort_name, id);
CREATE INDEX users_org_email ON users(org_id, email, id);
CREATE INDEX users_org_joined ON users(org_id, joined_at, id);
CREATE INDEX users_org_source_name ON users(org_id, member_source, sort_name, id);

-- Substring search over names and emails: a trigram index, so LIKE '%text%' reads only candidate rows
-- instead of every user (PostgreSQL: a pg_trgm GIN index on users.search_text).
CREATE VIRTUAL TABLE users_search USING fts5(
    search_text, content = 'users', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF search_text ON users BEGIN
    INSERT INTO users_search (users_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO users_search (rowid, search_text) VALUES (new.id, new.search_text);
END;

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    sid TEXT NOT NULL UNIQUE,
    -- NULL once the account has left every organization's control.
    org_id BIGINT REFERENCES organizations(id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX accounts_org_name ON accounts(org_id, name, id);
CREATE INDEX accounts_owner ON accounts(owner_id);

CREATE TABLE account_access (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- Bit mask of account roles (roster_model::RoleSet).
    roles INTEGER NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX account_access_user ON account_access(user_id, account_id);

CREATE TABLE domains (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    verified_at BIGINT,
    last_checked_at BIGINT,
    UNIQUE (org_id, name)
);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    invited_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    -- 'pending', 'accepted' or 'revoked'; expiry is read from expires_at.
    state TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    last_sent_at BIGINT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX invitations_org_state ON invitations(org_id, state, sent_at, id);
CREATE UNIQUE INDEX invitations_one_pending ON invitations(org_id, user_id) WHERE state = 'pending';

CREATE TABLE invitation_accounts (
    invitation_id BIGINT NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    roles INTEGER NOT NULL,
    PRIMARY KEY (invitation_id, account_id)
);
