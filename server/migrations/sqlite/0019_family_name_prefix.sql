-- SCIM's `name.familyName sw "…"` reads a range of this index instead of every member's row.
-- Prefixes of userName read users_org_email the same way. The expression is the one the SCIM
-- filter compares.
-- Members only: SCIM reads an organization's.
CREATE INDEX users_org_family_name ON users(org_id, LOWER(family_name)) WHERE org_id IS NOT NULL;
