-- Each SCIM group's version (its ETag) comes from a number kept on its account, raised whenever
-- who holds a role there may have changed: access granted, changed or taken, and a holder
-- joining or leaving the organization (groups list members only). A page of groups then reads no
-- holder. The number is shared by the account's four groups: a change to one changes the
-- others' version too, which a weak ETag allows.
ALTER TABLE accounts ADD COLUMN access_version BIGINT NOT NULL DEFAULT 0;

DROP TRIGGER account_access_inserted;
DROP TRIGGER account_access_updated;
DROP TRIGGER account_access_deleted;
CREATE TRIGGER account_access_inserted AFTER INSERT ON account_access BEGIN
    UPDATE accounts SET access_changed_at = unixepoch(), access_version = access_version + 1
        WHERE id = new.account_id;
END;
CREATE TRIGGER account_access_updated AFTER UPDATE OF roles ON account_access BEGIN
    UPDATE accounts SET access_changed_at = unixepoch(), access_version = access_version + 1
        WHERE id = new.account_id;
END;
CREATE TRIGGER account_access_deleted AFTER DELETE ON account_access BEGIN
    UPDATE accounts SET access_changed_at = unixepoch(), access_version = access_version + 1
        WHERE id = old.account_id;
END;
CREATE TRIGGER account_access_membership AFTER UPDATE OF member ON org_access
    WHEN old.member <> new.member BEGIN
    UPDATE accounts SET access_changed_at = unixepoch(), access_version = access_version + 1
        WHERE org_id = new.org_id
        AND id IN (SELECT account_id FROM account_access WHERE user_id = new.user_id);
END;
-- An account that leaves the organization (or joins one) takes its groups along.
CREATE TRIGGER accounts_moved AFTER UPDATE OF org_id ON accounts
    WHEN old.org_id IS NOT new.org_id BEGIN
    UPDATE accounts SET access_version = access_version + 1 WHERE id = new.id;
END;
