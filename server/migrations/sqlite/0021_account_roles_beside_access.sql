-- The roles a user holds on any of the organization's accounts (their union), kept beside the
-- user's access row, and the roles a pending invitation grants on any account, kept on the
-- invitation: the account-role filter without an account then tests one row per user, where it
-- read each user's grants and their accounts. SQLite has no bitwise aggregate: the union is
-- taken role by role (Administrator 1, Developer 2, Billing Manager 4, Support 8).
ALTER TABLE org_access ADD COLUMN roles BIGINT NOT NULL DEFAULT 0;
UPDATE org_access SET roles = (
    SELECT COALESCE(MAX(g.roles & 1) | MAX(g.roles & 2) | MAX(g.roles & 4) | MAX(g.roles & 8), 0)
    FROM account_access g JOIN accounts a ON a.id = g.account_id
    WHERE g.user_id = org_access.user_id AND a.org_id = org_access.org_id);
ALTER TABLE invitations ADD COLUMN account_roles BIGINT NOT NULL DEFAULT 0;
UPDATE invitations SET account_roles = (
    SELECT COALESCE(MAX(roles & 1) | MAX(roles & 2) | MAX(roles & 4) | MAX(roles & 8), 0)
    FROM invitation_accounts WHERE invitation_id = invitations.id);

DROP TRIGGER org_access_granted;
DROP TRIGGER org_access_revoked;
DROP TRIGGER org_access_account_left;
DROP TRIGGER org_access_account_deleted;
CREATE TRIGGER org_access_granted AFTER INSERT ON account_access BEGIN
    INSERT INTO org_access (org_id, user_id, accounts, member, sort_name, email, created_at, roles)
        SELECT a.org_id, u.id, 1, u.org_id IS a.org_id, u.sort_name, u.email, u.created_at, new.roles
        FROM accounts a JOIN users u ON u.id = new.user_id
        WHERE a.id = new.account_id AND a.org_id IS NOT NULL
        ON CONFLICT (org_id, user_id) DO UPDATE SET accounts = accounts + 1,
            roles = roles | excluded.roles;
END;
CREATE TRIGGER org_access_revoked AFTER DELETE ON account_access BEGIN
    UPDATE org_access SET accounts = accounts - 1, roles = (
        SELECT COALESCE(MAX(g.roles & 1) | MAX(g.roles & 2) | MAX(g.roles & 4) | MAX(g.roles & 8), 0)
        FROM account_access g JOIN accounts a ON a.id = g.account_id
        WHERE g.user_id = org_access.user_id AND a.org_id = org_access.org_id)
        WHERE user_id = old.user_id AND org_id = (SELECT org_id FROM accounts WHERE id = old.account_id);
    DELETE FROM org_access
        WHERE user_id = old.user_id AND org_id = (SELECT org_id FROM accounts WHERE id = old.account_id)
        AND accounts = 0;
END;
CREATE TRIGGER org_access_roles_changed AFTER UPDATE OF roles ON account_access
    WHEN old.roles <> new.roles BEGIN
    UPDATE org_access SET roles = (
        SELECT COALESCE(MAX(g.roles & 1) | MAX(g.roles & 2) | MAX(g.roles & 4) | MAX(g.roles & 8), 0)
        FROM account_access g JOIN accounts a ON a.id = g.account_id
        WHERE g.user_id = org_access.user_id AND a.org_id = org_access.org_id)
        WHERE user_id = new.user_id AND org_id = (SELECT org_id FROM accounts WHERE id = new.account_id);
END;
-- An account that leaves an organization (or is deleted: before its access rows go with it) takes
-- its holders' access, and the roles it gave them, along.
CREATE TRIGGER org_access_account_left AFTER UPDATE OF org_id ON accounts
    WHEN old.org_id IS NOT new.org_id BEGIN
    UPDATE org_access SET accounts = accounts - 1, roles = (
        SELECT COALESCE(MAX(g.roles & 1) | MAX(g.roles & 2) | MAX(g.roles & 4) | MAX(g.roles & 8), 0)
        FROM account_access g JOIN accounts a ON a.id = g.account_id
        WHERE g.user_id = org_access.user_id AND a.org_id = org_access.org_id)
        WHERE org_id = old.org_id AND user_id IN (SELECT user_id FROM account_access WHERE account_id = old.id);
    DELETE FROM org_access WHERE org_id = old.org_id AND accounts = 0
        AND user_id IN (SELECT user_id FROM account_access WHERE account_id = old.id);
    INSERT INTO org_access (org_id, user_id, accounts, member, sort_name, email, created_at, roles)
        SELECT new.org_id, g.user_id, 1, u.org_id IS new.org_id, u.sort_name, u.email, u.created_at, g.roles
        FROM account_access g JOIN users u ON u.id = g.user_id
        WHERE g.account_id = new.id AND new.org_id IS NOT NULL
        ON CONFLICT (org_id, user_id) DO UPDATE SET accounts = accounts + 1,
            roles = roles | excluded.roles;
END;
CREATE TRIGGER org_access_account_deleted BEFORE DELETE ON accounts WHEN old.org_id IS NOT NULL BEGIN
    UPDATE org_access SET accounts = accounts - 1, roles = (
        SELECT COALESCE(MAX(g.roles & 1) | MAX(g.roles & 2) | MAX(g.roles & 4) | MAX(g.roles & 8), 0)
        FROM account_access g JOIN accounts a ON a.id = g.account_id
        WHERE g.user_id = org_access.user_id AND a.org_id = org_access.org_id AND g.account_id <> old.id)
        WHERE org_id = old.org_id AND user_id IN (SELECT user_id FROM account_access WHERE account_id = old.id);
    DELETE FROM org_access WHERE org_id = old.org_id AND accounts = 0
        AND user_id IN (SELECT user_id FROM account_access WHERE account_id = old.id);
END;

CREATE TRIGGER invitation_account_roles_inserted AFTER INSERT ON invitation_accounts BEGIN
    UPDATE invitations SET account_roles = account_roles | new.roles WHERE id = new.invitation_id;
END;
CREATE TRIGGER invitation_account_roles_updated AFTER UPDATE OF roles ON invitation_accounts BEGIN
    UPDATE invitations SET account_roles = (
        SELECT COALESCE(MAX(roles & 1) | MAX(roles & 2) | MAX(roles & 4) | MAX(roles & 8), 0)
        FROM invitation_accounts WHERE invitation_id = new.invitation_id)
        WHERE id = new.invitation_id;
END;
CREATE TRIGGER invitation_account_roles_deleted AFTER DELETE ON invitation_accounts BEGIN
    UPDATE invitations SET account_roles = (
        SELECT COALESCE(MAX(roles & 1) | MAX(roles & 2) | MAX(roles & 4) | MAX(roles & 8), 0)
        FROM invitation_accounts WHERE invitation_id = old.invitation_id)
        WHERE id = old.invitation_id;
END;

-- A member's roles, probed per user from the index alone.
CREATE INDEX org_access_roles ON org_access(org_id, user_id, roles);
