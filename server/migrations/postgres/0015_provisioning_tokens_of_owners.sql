-- A provisioning token made in the console now ends when its creator is no longer an active Owner
-- (suspended, demoted, removed): one kept let a suspended Owner restore themselves and a demoted
-- one act on as an Owner. Tokens made before this whose creator already is not are revoked here
-- (as SQLite's 0025); tokens made on the command line name no creator and stay.
UPDATE scim_tokens SET revoked_at = CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)
WHERE revoked_at IS NULL AND created_by IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM users u
    WHERE u.id = scim_tokens.created_by AND u.org_id = scim_tokens.org_id
      AND u.org_role = 'owner' AND u.status = 'active'
);
