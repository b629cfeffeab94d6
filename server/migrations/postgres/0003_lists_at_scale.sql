-- The size of each tab of the user-management page, kept up to date by triggers in the
-- transaction of every change, so counting a tab reads one row instead of every user; and the
-- External and Invited tabs' sort keys next to their rows, so a page of them is read in order from
-- an index instead of sorting every external or invited user.

-- Who can access an organization's accounts: one row per organization and user holding a role
-- on at least one of its accounts, with how many, and whether the user is a member. The External
-- tab reads the rows with member = 0 alone.
CREATE TABLE org_access (
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    accounts BIGINT NOT NULL,
    member BIGINT NOT NULL,
    -- The user's, kept in step: the External tab's sort keys.
    sort_name TEXT COLLATE "C" NOT NULL,
    email TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_access_user ON org_access(user_id);
CREATE INDEX org_access_external_name ON org_access(org_id, sort_name, user_id) WHERE member = 0;
CREATE INDEX org_access_external_email ON org_access(org_id, email, user_id) WHERE member = 0;
CREATE INDEX org_access_external_created ON org_access(org_id, created_at, user_id) WHERE member = 0;

-- The invitee's, kept in step: the Invited tab's sort keys.
ALTER TABLE invitations ADD COLUMN invitee_sort_name TEXT COLLATE "C";
ALTER TABLE invitations ADD COLUMN invitee_email TEXT COLLATE "C";
UPDATE invitations i SET invitee_sort_name = u.sort_name, invitee_email = u.email
    FROM users u WHERE u.id = i.user_id;
CREATE INDEX invitations_pending_name ON invitations(org_id, invitee_sort_name, user_id)
    WHERE state = 'pending' AND account_id IS NULL;
CREATE INDEX invitations_pending_email ON invitations(org_id, invitee_email, user_id)
    WHERE state = 'pending' AND account_id IS NULL;
CREATE INDEX invitations_pending_sent ON invitations(org_id, sent_at, user_id)
    WHERE state = 'pending' AND account_id IS NULL;
CREATE FUNCTION invitations_invitee() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT sort_name, email INTO NEW.invitee_sort_name, NEW.invitee_email FROM users WHERE id = NEW.user_id;
    RETURN NEW;
END;
$$;
CREATE TRIGGER invitations_invitee BEFORE INSERT ON invitations
    FOR EACH ROW EXECUTE FUNCTION invitations_invitee();
CREATE FUNCTION users_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE org_access SET sort_name = NEW.sort_name, email = NEW.email WHERE user_id = NEW.id;
    UPDATE invitations SET invitee_sort_name = NEW.sort_name, invitee_email = NEW.email WHERE user_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER users_sort_keys AFTER UPDATE OF sort_name, email ON users
    FOR EACH ROW WHEN (OLD.sort_name IS DISTINCT FROM NEW.sort_name OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION users_sort_keys();

CREATE TABLE org_user_counts (
    org_id BIGINT PRIMARY KEY REFERENCES organizations(id),
    managed BIGINT NOT NULL DEFAULT 0,
    imported BIGINT NOT NULL DEFAULT 0,
    invited BIGINT NOT NULL DEFAULT 0,
    external BIGINT NOT NULL DEFAULT 0
);

INSERT INTO org_user_counts (org_id) SELECT id FROM organizations;
INSERT INTO org_access (org_id, user_id, accounts, member, sort_name, email, created_at)
    SELECT a.org_id, g.user_id, COUNT(*), CASE WHEN u.org_id = a.org_id THEN 1 ELSE 0 END,
        u.sort_name, u.email, u.created_at
    FROM account_access g JOIN accounts a ON a.id = g.account_id JOIN users u ON u.id = g.user_id
    WHERE a.org_id IS NOT NULL GROUP BY a.org_id, g.user_id, u.id;
UPDATE org_user_counts SET
    managed = (SELECT COUNT(*) FROM users u WHERE u.org_id = org_user_counts.org_id),
    imported = (SELECT COUNT(*) FROM users u WHERE u.org_id = org_user_counts.org_id AND u.member_source = 'imported'),
    invited = (SELECT COUNT(*) FROM invitations i WHERE i.org_id = org_user_counts.org_id AND i.state = 'pending' AND i.account_id IS NULL),
    external = (SELECT COUNT(*) FROM org_access x WHERE x.org_id = org_user_counts.org_id AND x.member = 0);

CREATE FUNCTION org_user_counts_organization() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO org_user_counts (org_id) VALUES (NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER org_user_counts_organization AFTER INSERT ON organizations
    FOR EACH ROW EXECUTE FUNCTION org_user_counts_organization();

-- Members and imported members; joining or leaving an organization turns access to its accounts
-- from external into a member's, or back.
CREATE FUNCTION org_user_counts_membership() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.org_id IS NOT NULL THEN
        UPDATE org_user_counts SET managed = managed - 1,
            imported = imported - CASE WHEN OLD.member_source = 'imported' THEN 1 ELSE 0 END
            WHERE org_id = OLD.org_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.org_id IS NOT NULL THEN
        UPDATE org_user_counts SET managed = managed + 1,
            imported = imported + CASE WHEN NEW.member_source = 'imported' THEN 1 ELSE 0 END
            WHERE org_id = NEW.org_id;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.org_id IS DISTINCT FROM NEW.org_id THEN
        UPDATE org_access SET member = CASE WHEN org_id = NEW.org_id THEN 1 ELSE 0 END
            WHERE user_id = NEW.id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER org_user_counts_user_inserted AFTER INSERT ON users
    FOR EACH ROW WHEN (NEW.org_id IS NOT NULL) EXECUTE FUNCTION org_user_counts_membership();
CREATE TRIGGER org_user_counts_user_deleted AFTER DELETE ON users
    FOR EACH ROW WHEN (OLD.org_id IS NOT NULL) EXECUTE FUNCTION org_user_counts_membership();
CREATE TRIGGER org_user_counts_user_membership AFTER UPDATE OF org_id, member_source ON users
    FOR EACH ROW WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id OR OLD.member_source IS DISTINCT FROM NEW.member_source)
    EXECUTE FUNCTION org_user_counts_membership();

-- Pending invitations to the organization (not those to one account).
CREATE FUNCTION org_user_counts_invitation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.state = 'pending' AND OLD.account_id IS NULL THEN
        UPDATE org_user_counts SET invited = invited - 1 WHERE org_id = OLD.org_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'pending' AND NEW.account_id IS NULL THEN
        UPDATE org_user_counts SET invited = invited + 1 WHERE org_id = NEW.org_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER org_user_counts_invitation_inserted AFTER INSERT ON invitations
    FOR EACH ROW EXECUTE FUNCTION org_user_counts_invitation();
CREATE TRIGGER org_user_counts_invitation_deleted AFTER DELETE ON invitations
    FOR EACH ROW EXECUTE FUNCTION org_user_counts_invitation();
CREATE TRIGGER org_user_counts_invitation_state AFTER UPDATE OF state ON invitations
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION org_user_counts_invitation();

-- Access to the organization's accounts. An access row whose account is gone was counted out by
-- the account's deletion (org_access_account_left).
CREATE FUNCTION org_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    access_org BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT org_id INTO access_org FROM accounts WHERE id = NEW.account_id;
        IF access_org IS NOT NULL THEN
            INSERT INTO org_access (org_id, user_id, accounts, member, sort_name, email, created_at)
                SELECT access_org, NEW.user_id, 1, CASE WHEN u.org_id = access_org THEN 1 ELSE 0 END,
                    u.sort_name, u.email, u.created_at
                FROM users u WHERE u.id = NEW.user_id
                ON CONFLICT (org_id, user_id) DO UPDATE SET accounts = org_access.accounts + 1;
        END IF;
    ELSE
        SELECT org_id INTO access_org FROM accounts WHERE id = OLD.account_id;
        IF access_org IS NOT NULL THEN
            UPDATE org_access SET accounts = accounts - 1
                WHERE org_id = access_org AND user_id = OLD.user_id;
            DELETE FROM org_access WHERE org_id = access_org AND user_id = OLD.user_id AND accounts = 0;
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER org_access_granted AFTER INSERT ON account_access
    FOR EACH ROW EXECUTE FUNCTION org_access_changed();
CREATE TRIGGER org_access_revoked AFTER DELETE ON account_access
    FOR EACH ROW EXECUTE FUNCTION org_access_changed();

-- An account that leaves an organization (or is deleted: before its access rows go with it) takes
-- its holders' access along.
CREATE FUNCTION org_access_account_left() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.org_id IS NOT NULL THEN
        UPDATE org_access SET accounts = accounts - 1
            WHERE org_id = OLD.org_id AND user_id IN (SELECT user_id FROM account_access WHERE account_id = OLD.id);
        DELETE FROM org_access WHERE org_id = OLD.org_id AND accounts = 0
            AND user_id IN (SELECT user_id FROM account_access WHERE account_id = OLD.id);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.org_id IS NOT NULL THEN
        INSERT INTO org_access (org_id, user_id, accounts, member, sort_name, email, created_at)
            SELECT NEW.org_id, g.user_id, 1, CASE WHEN u.org_id = NEW.org_id THEN 1 ELSE 0 END,
                u.sort_name, u.email, u.created_at
            FROM account_access g JOIN users u ON u.id = g.user_id WHERE g.account_id = NEW.id
            ON CONFLICT (org_id, user_id) DO UPDATE SET accounts = org_access.accounts + 1;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER org_access_account_left AFTER UPDATE OF org_id ON accounts
    FOR EACH ROW WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id) EXECUTE FUNCTION org_access_account_left();
CREATE TRIGGER org_access_account_deleted BEFORE DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION org_access_account_left();

-- External users: access rows of non-members.
CREATE FUNCTION org_user_counts_external() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.member = 0 THEN
        UPDATE org_user_counts SET external = external - 1 WHERE org_id = OLD.org_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.member = 0 THEN
        UPDATE org_user_counts SET external = external + 1 WHERE org_id = NEW.org_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER org_user_counts_external_inserted AFTER INSERT ON org_access
    FOR EACH ROW EXECUTE FUNCTION org_user_counts_external();
CREATE TRIGGER org_user_counts_external_deleted AFTER DELETE ON org_access
    FOR EACH ROW EXECUTE FUNCTION org_user_counts_external();
CREATE TRIGGER org_user_counts_external_membership AFTER UPDATE OF member ON org_access
    FOR EACH ROW WHEN (OLD.member <> NEW.member) EXECUTE FUNCTION org_user_counts_external();

-- Substring search reads the trigram index on users.search_text directly: going through this view
-- joined the table to itself.
DROP VIEW users_search;

-- "Never signed in" among many who have: PostgreSQL's statistics cannot tell how few of an
-- organization's members that is, and it would walk a whole sort index looking for them. These
-- hold just those members, in each order the list sorts by.
CREATE INDEX users_org_never_signed_in_name ON users(org_id, sort_name, id) WHERE last_sign_in_at IS NULL;
CREATE INDEX users_org_never_signed_in_email ON users(org_id, email, id) WHERE last_sign_in_at IS NULL;
CREATE INDEX users_org_never_signed_in_joined ON users(org_id, joined_at, id) WHERE last_sign_in_at IS NULL;
