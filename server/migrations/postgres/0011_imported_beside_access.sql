-- Whether a member came in by bulk import, beside each of their access rows and kept in step with
-- `member` by the same triggers: the Imported tab under an account-role filter then reads the
-- imported members' access rows alone, where it probed the access rows once for each imported
-- member (1,000,000 users, 45,000 of them imported: the tab's count took 60–260 ms).
ALTER TABLE org_access ADD COLUMN imported BIGINT NOT NULL DEFAULT 0;
UPDATE org_access x SET imported = 1 FROM users u
    WHERE u.id = x.user_id AND u.org_id = x.org_id AND u.member_source = 'imported';
CREATE INDEX org_access_imported_roles ON org_access(org_id, user_id) INCLUDE (roles) WHERE imported = 1;

CREATE OR REPLACE FUNCTION org_access_user_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT status, totp_enrolled, two_factor_required, last_sign_in_at,
            CASE WHEN org_id = NEW.org_id AND member_source = 'imported' THEN 1 ELSE 0 END
        INTO NEW.status, NEW.totp_enrolled, NEW.two_factor_required, NEW.last_sign_in_at,
            NEW.imported
        FROM users WHERE id = NEW.user_id;
    RETURN NEW;
END;
$$;

-- Joining or leaving an organization, or coming in another way, turns access to its accounts
-- from external into a member's (imported or not), or back, as 0006 did.
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
    IF TG_OP = 'UPDATE' THEN
        UPDATE org_access SET member = CASE WHEN org_id = NEW.org_id THEN 1 ELSE 0 END,
            imported = CASE WHEN org_id = NEW.org_id AND NEW.member_source = 'imported' THEN 1 ELSE 0 END,
            status = NEW.status, totp_enrolled = NEW.totp_enrolled,
            two_factor_required = NEW.two_factor_required, last_sign_in_at = NEW.last_sign_in_at
            WHERE user_id = NEW.id;
    END IF;
    RETURN NULL;
END;
$$;
