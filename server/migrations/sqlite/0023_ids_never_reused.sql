-- Ids are never given again: a user, invitation or domain deleted while it had the highest id
-- left its id to the next one made, with a version that starts again at 1. A page, a selection
-- or a retried request made for the deleted one then acted on the new one (its If-Match "v1"
-- matched), and an identity provider that keeps Roster's ids would change or delete the new
-- person with the old one's id. AUTOINCREMENT never reuses an id (PostgreSQL's identity columns
-- never did). SQLite cannot change a column, so each table is rebuilt as 0011 rebuilt accounts
-- (migrations run without foreign-key enforcement; a foreign-key check follows), and its indexes
-- and triggers, dropped with it, are made again as they were. The renames leave other tables'
-- triggers as they are (legacy_alter_table): they name each table by the name it keeps.
PRAGMA legacy_alter_table = ON;

CREATE TABLE users_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
, password_hash TEXT, totp_secret TEXT, totp_last_step BIGINT, version BIGINT NOT NULL DEFAULT 1, email_domain TEXT
    GENERATED ALWAYS AS (substr(email, instr(email, '@') + 1)) VIRTUAL, external_id TEXT, display_name TEXT, modified_at BIGINT);
INSERT INTO users_rebuilt (id, email, given_name, family_name, sort_name, search_text, status, totp_enrolled, two_factor_required, created_at, last_sign_in_at, org_id, org_role, joined_at, member_source, imported_by, password_hash, totp_secret, totp_last_step, version, external_id, display_name, modified_at)
    SELECT id, email, given_name, family_name, sort_name, search_text, status, totp_enrolled, two_factor_required, created_at, last_sign_in_at, org_id, org_role, joined_at, member_source, imported_by, password_hash, totp_secret, totp_last_step, version, external_id, display_name, modified_at FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
CREATE INDEX users_org_name ON users(org_id, sort_name, id);
CREATE INDEX users_org_email ON users(org_id, email, id);
CREATE INDEX users_org_joined ON users(org_id, joined_at, id);
CREATE INDEX users_org_source_name ON users(org_id, member_source, sort_name, id);
CREATE INDEX users_importable ON users(email_domain, sort_name, id) WHERE org_id IS NULL;
CREATE INDEX users_org_role_name ON users(org_id, org_role, sort_name, id);
CREATE INDEX users_org_status_name ON users(org_id, status, sort_name, id);
CREATE INDEX users_org_last_sign_in ON users(org_id, last_sign_in_at);
CREATE INDEX users_org_two_factor_name ON users(org_id, totp_enrolled, two_factor_required, sort_name, id);
CREATE INDEX users_org_external_id ON users(org_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX users_org_id ON users(org_id, id);
CREATE INDEX users_org_family_name ON users(org_id, LOWER(family_name)) WHERE org_id IS NOT NULL;
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
CREATE TRIGGER users_sort_keys AFTER UPDATE OF sort_name, email ON users
    WHEN old.sort_name IS NOT new.sort_name OR old.email IS NOT new.email BEGIN
    UPDATE org_access SET sort_name = new.sort_name, email = new.email WHERE user_id = new.id;
    UPDATE invitations SET invitee_sort_name = new.sort_name, invitee_email = new.email WHERE user_id = new.id;
END;
CREATE TRIGGER org_user_counts_user_inserted AFTER INSERT ON users WHEN new.org_id IS NOT NULL BEGIN
    UPDATE org_user_counts SET managed = managed + 1,
        imported = imported + (new.member_source IS 'imported')
        WHERE org_id = new.org_id;
END;
CREATE TRIGGER org_user_counts_user_deleted AFTER DELETE ON users WHEN old.org_id IS NOT NULL BEGIN
    UPDATE org_user_counts SET managed = managed - 1,
        imported = imported - (old.member_source IS 'imported')
        WHERE org_id = old.org_id;
END;
CREATE TRIGGER org_user_counts_user_membership AFTER UPDATE OF org_id, member_source ON users
    WHEN old.org_id IS NOT new.org_id OR old.member_source IS NOT new.member_source BEGIN
    UPDATE org_user_counts SET managed = managed - 1,
        imported = imported - (old.member_source IS 'imported')
        WHERE org_id = old.org_id;
    UPDATE org_user_counts SET managed = managed + 1,
        imported = imported + (new.member_source IS 'imported')
        WHERE org_id = new.org_id;
END;
CREATE TRIGGER users_filter_state
    AFTER UPDATE OF status, totp_enrolled, two_factor_required, last_sign_in_at ON users
    WHEN old.status IS NOT new.status OR old.totp_enrolled IS NOT new.totp_enrolled
        OR old.two_factor_required IS NOT new.two_factor_required
        OR old.last_sign_in_at IS NOT new.last_sign_in_at BEGIN
    UPDATE org_access SET status = new.status, totp_enrolled = new.totp_enrolled,
        two_factor_required = new.two_factor_required, last_sign_in_at = new.last_sign_in_at
        WHERE user_id = new.id AND member = 0;
    UPDATE invitations SET invitee_status = new.status, invitee_totp_enrolled = new.totp_enrolled,
        invitee_two_factor_required = new.two_factor_required,
        invitee_last_sign_in_at = new.last_sign_in_at
        WHERE user_id = new.id AND state = 'pending';
END;
CREATE TRIGGER org_access_user_membership AFTER UPDATE OF org_id, member_source ON users
    WHEN old.org_id IS NOT new.org_id OR old.member_source IS NOT new.member_source BEGIN
    UPDATE org_access SET member = (org_id IS new.org_id),
        imported = (org_id IS new.org_id AND new.member_source IS 'imported'),
        status = new.status, totp_enrolled = new.totp_enrolled,
        two_factor_required = new.two_factor_required, last_sign_in_at = new.last_sign_in_at
        WHERE user_id = new.id;
END;

CREATE TABLE invitations_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    invited_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    -- 'pending', 'accepted' or 'revoked'; expiry is read from expires_at.
    state TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    last_sent_at BIGINT,
    expires_at BIGINT NOT NULL
, token_hash TEXT, accepted_at BIGINT, revoked_at BIGINT, account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE, invitee_sort_name TEXT, invitee_email TEXT, invitee_status TEXT, invitee_totp_enrolled BIGINT, invitee_two_factor_required BIGINT, invitee_last_sign_in_at BIGINT, account_roles BIGINT NOT NULL DEFAULT 0);
INSERT INTO invitations_rebuilt (id, org_id, user_id, invited_by, state, sent_at, last_sent_at, expires_at, token_hash, accepted_at, revoked_at, account_id, invitee_sort_name, invitee_email, invitee_status, invitee_totp_enrolled, invitee_two_factor_required, invitee_last_sign_in_at, account_roles)
    SELECT id, org_id, user_id, invited_by, state, sent_at, last_sent_at, expires_at, token_hash, accepted_at, revoked_at, account_id, invitee_sort_name, invitee_email, invitee_status, invitee_totp_enrolled, invitee_two_factor_required, invitee_last_sign_in_at, account_roles FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_rebuilt RENAME TO invitations;
CREATE INDEX invitations_org_state ON invitations(org_id, state, sent_at, id);
CREATE UNIQUE INDEX invitations_token ON invitations(token_hash);
CREATE INDEX invitations_user ON invitations(user_id);
CREATE UNIQUE INDEX invitations_one_pending ON invitations(org_id, user_id)
    WHERE state = 'pending' AND account_id IS NULL;
CREATE UNIQUE INDEX invitations_one_pending_per_account ON invitations(account_id, user_id)
    WHERE state = 'pending' AND account_id IS NOT NULL;
CREATE INDEX invitations_account_state ON invitations(account_id, state);
CREATE INDEX invitations_pending_name ON invitations(org_id, invitee_sort_name, user_id)
    WHERE state = 'pending' AND account_id IS NULL;
CREATE INDEX invitations_pending_email ON invitations(org_id, invitee_email, user_id)
    WHERE state = 'pending' AND account_id IS NULL;
CREATE INDEX invitations_pending_sent ON invitations(org_id, sent_at, user_id)
    WHERE state = 'pending' AND account_id IS NULL;
CREATE TRIGGER invitations_invitee AFTER INSERT ON invitations BEGIN
    UPDATE invitations SET invitee_sort_name = u.sort_name, invitee_email = u.email
        FROM users u WHERE u.id = new.user_id AND invitations.id = new.id;
END;
CREATE TRIGGER org_user_counts_invitation_inserted AFTER INSERT ON invitations
    WHEN new.state = 'pending' AND new.account_id IS NULL BEGIN
    UPDATE org_user_counts SET invited = invited + 1 WHERE org_id = new.org_id;
END;
CREATE TRIGGER org_user_counts_invitation_deleted AFTER DELETE ON invitations
    WHEN old.state = 'pending' AND old.account_id IS NULL BEGIN
    UPDATE org_user_counts SET invited = invited - 1 WHERE org_id = old.org_id;
END;
CREATE TRIGGER org_user_counts_invitation_state AFTER UPDATE OF state ON invitations
    WHEN new.account_id IS NULL AND (old.state = 'pending') <> (new.state = 'pending') BEGIN
    UPDATE org_user_counts SET invited = invited + CASE WHEN new.state = 'pending' THEN 1 ELSE -1 END
        WHERE org_id = new.org_id;
END;
CREATE TRIGGER invitations_invitee_state AFTER INSERT ON invitations BEGIN
    UPDATE invitations SET invitee_status = u.status, invitee_totp_enrolled = u.totp_enrolled,
        invitee_two_factor_required = u.two_factor_required,
        invitee_last_sign_in_at = u.last_sign_in_at
        FROM users u WHERE u.id = new.user_id AND invitations.id = new.id;
END;

CREATE TABLE domains_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    verified_at BIGINT,
    last_checked_at BIGINT, last_error TEXT, lapsed_at BIGINT,
    UNIQUE (org_id, name)
);
INSERT INTO domains_rebuilt (id, org_id, name, state, token, created_at, verified_at, last_checked_at, last_error, lapsed_at)
    SELECT id, org_id, name, state, token, created_at, verified_at, last_checked_at, last_error, lapsed_at FROM domains;
DROP TABLE domains;
ALTER TABLE domains_rebuilt RENAME TO domains;
CREATE UNIQUE INDEX domains_verified_name ON domains(name) WHERE state = 'verified';
CREATE INDEX domains_recheck ON domains(state, last_checked_at, id);
-- A user deleted before this update may have had the highest id: the audit log still names it
-- (as its actor or target; a target may be another kind of row, which only makes the next id
-- higher), so the next user's id comes after every id the log knows.
UPDATE sqlite_sequence SET seq = MAX(seq,
    (SELECT COALESCE(MAX(target_id), 0) FROM audit_events),
    (SELECT COALESCE(MAX(actor_id), 0) FROM audit_events))
    WHERE name = 'users';
PRAGMA legacy_alter_table = OFF;
