-- Bulk import offers existing users on the organization's verified domains who belong to no
-- organization: the domain of each address, and an index over the users it can offer.
-- (PostgreSQL: a STORED generated column with split_part(email, '@', 2).)
ALTER TABLE users ADD COLUMN email_domain TEXT
    GENERATED ALWAYS AS (substr(email, instr(email, '@') + 1)) VIRTUAL;
CREATE INDEX users_importable ON users(email_domain, sort_name, id) WHERE org_id IS NULL;
