-- SCIM pages an organization's users by startIndex in id order (identity providers read every user
-- that way when they first connect): with the organization and the id in one index, a deep page
-- skips index entries instead of rows.
CREATE INDEX users_org_id ON users(org_id, id);
