-- What the list filters test of a user (status, two-factor state, last sign-in) beside each of
-- the user's external-access rows and pending invitations, kept in step by triggers as the sort
-- keys are: counting the External or Invited tab under a filter reads those rows alone, where
-- testing each one's user row took 0.15–0.45 s for 30,000–40,000 of them among 1,000,000 users.
-- Only the rows the tabs read are kept in step (a member's access rows and closed invitations
-- are not rewritten at each sign-in); a row is brought up to date when it becomes an external
-- user's. At a million users this migration takes about 30 s, the External and Invited tabs
-- waiting for it.
ALTER TABLE org_access ADD COLUMN status TEXT COLLATE "C";
ALTER TABLE org_access ADD COLUMN totp_enrolled BIGINT;
ALTER TABLE org_access ADD COLUMN two_factor_required BIGINT;
ALTER TABLE org_access ADD COLUMN last_sign_in_at BIGINT;
UPDATE org_access x SET status = u.status, totp_enrolled = u.totp_enrolled,
    two_factor_required = u.two_factor_required, last_sign_in_at = u.last_sign_in_at
    FROM users u WHERE u.id = x.user_id;
ALTER TABLE invitations ADD COLUMN invitee_status TEXT COLLATE "C";
ALTER TABLE invitations ADD COLUMN invitee_totp_enrolled BIGINT;
ALTER TABLE invitations ADD COLUMN invitee_two_factor_required BIGINT;
ALTER TABLE invitations ADD COLUMN invitee_last_sign_in_at BIGINT;
UPDATE invitations i SET invitee_status = u.status, invitee_totp_enrolled = u.totp_enrolled,
    invitee_two_factor_required = u.two_factor_required, invitee_last_sign_in_at = u.last_sign_in_at
    FROM users u WHERE u.id = i.user_id;

CREATE FUNCTION org_access_user_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT status, totp_enrolled, two_factor_required, last_sign_in_at
        INTO NEW.status, NEW.totp_enrolled, NEW.two_factor_required, NEW.last_sign_in_at
        FROM users WHERE id = NEW.user_id;
    RETURN NEW;
END;
$$;
CREATE TRIGGER org_access_user_state BEFORE INSERT ON org_access
    FOR EACH ROW EXECUTE FUNCTION org_access_user_state();

CREATE OR REPLACE FUNCTION invitations_invitee() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT sort_name, email, status, totp_enrolled, two_factor_required, last_sign_in_at
        INTO NEW.invitee_sort_name, NEW.invitee_email, NEW.invitee_status,
            NEW.invitee_totp_enrolled, NEW.invitee_two_factor_required, NEW.invitee_last_sign_in_at
        FROM users WHERE id = NEW.user_id;
    RETURN NEW;
END;
$$;

CREATE FUNCTION users_filter_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE org_access SET status = NEW.status, totp_enrolled = NEW.totp_enrolled,
        two_factor_required = NEW.two_factor_required, last_sign_in_at = NEW.last_sign_in_at
        WHERE user_id = NEW.id AND member = 0;
    UPDATE invitations SET invitee_status = NEW.status, invitee_totp_enrolled = NEW.totp_enrolled,
        invitee_two_factor_required = NEW.two_factor_required,
        invitee_last_sign_in_at = NEW.last_sign_in_at
        WHERE user_id = NEW.id AND state = 'pending';
    RETURN NULL;
END;
$$;
CREATE TRIGGER users_filter_state
    AFTER UPDATE OF status, totp_enrolled, two_factor_required, last_sign_in_at ON users
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.totp_enrolled IS DISTINCT FROM NEW.totp_enrolled
        OR OLD.two_factor_required IS DISTINCT FROM NEW.two_factor_required
        OR OLD.last_sign_in_at IS DISTINCT FROM NEW.last_sign_in_at)
    EXECUTE FUNCTION users_filter_state();

-- Joining or leaving an organization turns access to its accounts from external into a member's,
-- or back (as 0003 did), and an access row that becomes an external user's is brought up to date.
CREATE OR REPLACE FUNCTION org_user_counts_membership() RETURNS trigger LANGUAGE plpgsql AS $$
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
        UPDATE org_access SET member = CASE WHEN org_id = NEW.org_id THEN 1 ELSE 0 END,
            status = NEW.status, totp_enrolled = NEW.totp_enrolled,
            two_factor_required = NEW.two_factor_required, last_sign_in_at = NEW.last_sign_in_at
            WHERE user_id = NEW.id;
    END IF;
    RETURN NULL;
END;
$$;

-- Beside the keys of an order of each tab, so a count reads the index alone (40,000 external
-- users among 1,000,000: 20 ms, where reading their scattered rows took 0.13 s).
CREATE INDEX org_access_external_created_filters ON org_access(org_id, created_at, user_id)
    INCLUDE (status, totp_enrolled, two_factor_required, last_sign_in_at) WHERE member = 0;
DROP INDEX org_access_external_created;
CREATE INDEX invitations_pending_sent_filters ON invitations(org_id, sent_at, user_id)
    INCLUDE (invitee_status, invitee_totp_enrolled, invitee_two_factor_required, invitee_last_sign_in_at)
    WHERE state = 'pending' AND account_id IS NULL;
DROP INDEX invitations_pending_sent;

-- The Imported tab's order with what its filters test beside the key: counting imported members
-- under a filter reads this index alone (45,000 of 1,000,000 users: 16 ms, where reading each
-- one's row took 0.33 s).
CREATE INDEX users_org_source_filters ON users(org_id, member_source, sort_name, id)
    INCLUDE (status, org_role, totp_enrolled, two_factor_required, last_sign_in_at);
DROP INDEX users_org_source_name;
