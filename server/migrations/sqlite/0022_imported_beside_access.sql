-- Whether a member came in by bulk import, beside each of their access rows and kept in step with
-- `member` by the same triggers, as on PostgreSQL (its 0011): the Imported tab under an
-- account-role filter reads the imported members' access rows alone, where it probed the access
-- rows once for each imported member.
ALTER TABLE org_access ADD COLUMN imported BIGINT NOT NULL DEFAULT 0;
UPDATE org_access SET imported = 1 WHERE EXISTS (SELECT 1 FROM users u
    WHERE u.id = org_access.user_id AND u.org_id = org_access.org_id
    AND u.member_source = 'imported');
CREATE INDEX org_access_imported_roles ON org_access(org_id, user_id, roles) WHERE imported = 1;

DROP TRIGGER org_access_user_state;
CREATE TRIGGER org_access_user_state AFTER INSERT ON org_access BEGIN
    UPDATE org_access SET status = u.status, totp_enrolled = u.totp_enrolled,
        two_factor_required = u.two_factor_required, last_sign_in_at = u.last_sign_in_at,
        imported = (u.org_id IS new.org_id AND u.member_source IS 'imported')
        FROM users u WHERE u.id = new.user_id
        AND org_access.org_id = new.org_id AND org_access.user_id = new.user_id;
END;
-- Joining or leaving an organization, or coming in another way, turns access to its accounts
-- from external into a member's (imported or not), or back, as 0018 did.
DROP TRIGGER org_access_user_membership;
CREATE TRIGGER org_access_user_membership AFTER UPDATE OF org_id, member_source ON users
    WHEN old.org_id IS NOT new.org_id OR old.member_source IS NOT new.member_source BEGIN
    UPDATE org_access SET member = (org_id IS new.org_id),
        imported = (org_id IS new.org_id AND new.member_source IS 'imported'),
        status = new.status, totp_enrolled = new.totp_enrolled,
        two_factor_required = new.two_factor_required, last_sign_in_at = new.last_sign_in_at
        WHERE user_id = new.id;
END;
