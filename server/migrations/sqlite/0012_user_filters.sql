-- Filters of the user lists (organization role, status, last sign-in) at 100,000 members: each
-- index starts with the organization and the filtered column, then the name sort, so a filtered
-- page and its count read only the rows that match.
CREATE INDEX users_org_role_name ON users(org_id, org_role, sort_name, id);
CREATE INDEX users_org_status_name ON users(org_id, status, sort_name, id);
CREATE INDEX users_org_last_sign_in ON users(org_id, last_sign_in_at);
-- Two-factor state: enrolled, or required and not set up, or neither.
CREATE INDEX users_org_two_factor_name ON users(org_id, totp_enrolled, two_factor_required, sort_name, id);
-- The invitations that grant an account (the account filter of the Invited tab).
CREATE INDEX invitation_accounts_account ON invitation_accounts(account_id, invitation_id);
