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
    sort_name TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_access_user ON org_access(user_id);
CREATE INDEX org_access_external_name ON org_access(org_id, sort_name, user_id) WHERE member = 0;
CREATE INDEX org_access_external_email ON org_access(org_id, email, user_id) WHERE member = 0;
CREATE INDEX org_access_external_created ON org_access(org_id, created_at, user_id) WHERE member = 0;

-- The invitee's, kept in step: the Invited tab's sort keys.
ALTER TABLE invitations ADD COLUMN invitee_sort_name TEXT;
ALTER TABLE invitations ADD COLUMN invitee_email TEXT;
UPDATE invitations SET invitee_sort_name = (SELECT sort_name FROM users WHERE id = invitations.user_id),
    invitee_email = (SELECT email FROM users WHERE id = invitations.user_id);
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
CREATE TRIGGER users_sort_keys AFTER UPDATE OF sort_name, email ON users
    WHEN old.sort_name IS NOT new.sort_name OR old.email IS NOT new.email BEGIN
    UPDATE org_access SET sort_name = new.sort_name, email = new.email WHERE user_id = new.id;
    UPDATE invitations SET invitee_sort_name = new.sort_name, invitee_email = new.email WHERE user_id = new.id;
END;

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
    WHERE a.org_id IS NOT NULL GROUP BY a.org_id, g.user_id;
UPDATE org_user_counts SET
    managed = (SELECT COUNT(*) FROM users u WHERE u.org_id = org_user_counts.org_id),
    imported = (SELECT COUNT(*) FROM users u WHERE u.org_id = org_user_counts.org_id AND u.member_source = 'imported'),
    invited = (SELECT COUNT(*) FROM invitations i WHERE i.org_id = org_user_counts.org_id AND i.state = 'pending' AND i.account_id IS NULL),
    external = (SELECT COUNT(*) FROM org_access x WHERE x.org_id = org_user_counts.org_id AND x.member = 0);

CREATE TRIGGER org_user_counts_organization AFTER INSERT ON organizations BEGIN
    INSERT INTO org_user_counts (org_id) VALUES (new.id);
END;

-- Members and imported members.
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
-- Joining or leaving an organization turns access to its accounts from external into a member's,
-- or back.
CREATE TRIGGER org_access_user_membership AFTER UPDATE OF org_id ON users
    WHEN old.org_id IS NOT new.org_id BEGIN
    UPDATE org_access SET member = (org_id IS new.org_id) WHERE user_id = new.id;
END;

-- Pending invitations to the organization (not those to one account).
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

-- Access to the organization's accounts.
CREATE TRIGGER org_access_granted AFTER INSERT ON account_access BEGIN
    INSERT INTO org_access (org_id, user_id, accounts, member, sort_name, email, created_at)
        SELECT a.org_id, u.id, 1, u.org_id IS a.org_id, u.sort_name, u.email, u.created_at
        FROM accounts a JOIN users u ON u.id = new.user_id
        WHERE a.id = new.account_id AND a.org_id IS NOT NULL
        ON CONFLICT (org_id, user_id) DO UPDATE SET accounts = accounts + 1;
END;
CREATE TRIGGER org_access_revoked AFTER DELETE ON account_access BEGIN
    UPDATE org_access SET accounts = accounts - 1
        WHERE user_id = old.user_id AND org_id = (SELECT org_id FROM accounts WHERE id = old.account_id);
    DELETE FROM org_access
        WHERE user_id = old.user_id AND org_id = (SELECT org_id FROM accounts WHERE id = old.account_id)
        AND accounts = 0;
END;
-- An account that leaves an organization (or is deleted: before its access rows go with it) takes
-- its holders' access along.
CREATE TRIGGER org_access_account_left AFTER UPDATE OF org_id ON accounts
    WHEN old.org_id IS NOT new.org_id BEGIN
    UPDATE org_access SET accounts = accounts - 1
        WHERE org_id = old.org_id AND user_id IN (SELECT user_id FROM account_access WHERE account_id = old.id);
    DELETE FROM org_access WHERE org_id = old.org_id AND accounts = 0
        AND user_id IN (SELECT user_id FROM account_access WHERE account_id = old.id);
    INSERT INTO org_access (org_id, user_id, accounts, member, sort_name, email, created_at)
        SELECT new.org_id, g.user_id, 1, u.org_id IS new.org_id, u.sort_name, u.email, u.created_at
        FROM account_access g JOIN users u ON u.id = g.user_id
        WHERE g.account_id = new.id AND new.org_id IS NOT NULL
        ON CONFLICT (org_id, user_id) DO UPDATE SET accounts = accounts + 1;
END;
CREATE TRIGGER org_access_account_deleted BEFORE DELETE ON accounts WHEN old.org_id IS NOT NULL BEGIN
    UPDATE org_access SET accounts = accounts - 1
        WHERE org_id = old.org_id AND user_id IN (SELECT user_id FROM account_access WHERE account_id = old.id);
    DELETE FROM org_access WHERE org_id = old.org_id AND accounts = 0
        AND user_id IN (SELECT user_id FROM account_access WHERE account_id = old.id);
END;

-- External users: access rows of non-members.
CREATE TRIGGER org_user_counts_external_inserted AFTER INSERT ON org_access WHEN new.member = 0 BEGIN
    UPDATE org_user_counts SET external = external + 1 WHERE org_id = new.org_id;
END;
CREATE TRIGGER org_user_counts_external_deleted AFTER DELETE ON org_access WHEN old.member = 0 BEGIN
    UPDATE org_user_counts SET external = external - 1 WHERE org_id = old.org_id;
END;
CREATE TRIGGER org_user_counts_external_membership AFTER UPDATE OF member ON org_access
    WHEN old.member <> new.member BEGIN
    UPDATE org_user_counts SET external = external + CASE WHEN new.member = 0 THEN 1 ELSE -1 END
        WHERE org_id = new.org_id;
END;
