-- Invitations to one account only (an account's User access page): accepting gives access as an
-- external user without joining the organization. NULL: an invitation to the organization.
ALTER TABLE invitations ADD COLUMN account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE;

-- One pending organization invitation per person, and one pending invitation per account and person.
DROP INDEX invitations_one_pending;
CREATE UNIQUE INDEX invitations_one_pending ON invitations(org_id, user_id)
    WHERE state = 'pending' AND account_id IS NULL;
CREATE UNIQUE INDEX invitations_one_pending_per_account ON invitations(account_id, user_id)
    WHERE state = 'pending' AND account_id IS NOT NULL;
CREATE INDEX invitations_account_state ON invitations(account_id, state);
