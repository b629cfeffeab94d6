-- What the list filters test of a user (status, two-factor state, last sign-in) beside each of
-- the user's external-access rows and pending invitations, kept in step by triggers as the sort
-- keys are: counting the External or Invited tab under a filter reads those rows alone instead of
-- each one's user row. Only the rows the tabs read are kept in step (a member's access rows and
-- closed invitations are not rewritten at each sign-in); a row is brought up to date when it
-- becomes an external user's.
ALTER TABLE org_access ADD COLUMN status TEXT;
ALTER TABLE org_access ADD COLUMN totp_enrolled BIGINT;
ALTER TABLE org_access ADD COLUMN two_factor_required BIGINT;
ALTER TABLE org_access ADD COLUMN last_sign_in_at BIGINT;
UPDATE org_access SET status = u.status, totp_enrolled = u.totp_enrolled,
    two_factor_required = u.two_factor_required, last_sign_in_at = u.last_sign_in_at
    FROM users u WHERE u.id = org_access.user_id;
ALTER TABLE invitations ADD COLUMN invitee_status TEXT;
ALTER TABLE invitations ADD COLUMN invitee_totp_enrolled BIGINT;
ALTER TABLE invitations ADD COLUMN invitee_two_factor_required BIGINT;
ALTER TABLE invitations ADD COLUMN invitee_last_sign_in_at BIGINT;
UPDATE invitations SET invitee_status = u.status, invitee_totp_enrolled = u.totp_enrolled,
    invitee_two_factor_required = u.two_factor_required, invitee_last_sign_in_at = u.last_sign_in_at
    FROM users u WHERE u.id = invitations.user_id;

CREATE TRIGGER org_access_user_state AFTER INSERT ON org_access BEGIN
    UPDATE org_access SET status = u.status, totp_enrolled = u.totp_enrolled,
        two_factor_required = u.two_factor_required, last_sign_in_at = u.last_sign_in_at
        FROM users u WHERE u.id = new.user_id
        AND org_access.org_id = new.org_id AND org_access.user_id = new.user_id;
END;
CREATE TRIGGER invitations_invitee_state AFTER INSERT ON invitations BEGIN
    UPDATE invitations SET invitee_status = u.status, invitee_totp_enrolled = u.totp_enrolled,
        invitee_two_factor_required = u.two_factor_required,
        invitee_last_sign_in_at = u.last_sign_in_at
        FROM users u WHERE u.id = new.user_id AND invitations.id = new.id;
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
-- Joining or leaving an organization turns access to its accounts from external into a member's,
-- or back (as 0016 did), and an access row that becomes an external user's is brought up to date.
DROP TRIGGER org_access_user_membership;
CREATE TRIGGER org_access_user_membership AFTER UPDATE OF org_id ON users
    WHEN old.org_id IS NOT new.org_id BEGIN
    UPDATE org_access SET member = (org_id IS new.org_id), status = new.status,
        totp_enrolled = new.totp_enrolled, two_factor_required = new.two_factor_required,
        last_sign_in_at = new.last_sign_in_at
        WHERE user_id = new.id;
END;
