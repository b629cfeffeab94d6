-- Deleting a user who owns accounts outside the organization leaves those accounts in place,
-- without an owner until their own administrators choose one: owner_id becomes nullable.
-- SQLite cannot change a column, so the table is rebuilt. Migrations run without foreign-key
-- enforcement (see store::migrate), so dropping the old table does not cascade to the access
-- rows and invitations that name it; a foreign-key check follows.
CREATE TABLE accounts_rebuilt (
    id INTEGER PRIMARY KEY,
    sid TEXT NOT NULL UNIQUE,
    -- NULL once the account has left every organization's control.
    org_id BIGINT REFERENCES organizations(id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    -- NULL once its owner was deleted while the account was outside the deleting organization.
    owner_id BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
INSERT INTO accounts_rebuilt (id, sid, org_id, name, status, owner_id, created_at)
    SELECT id, sid, org_id, name, status, owner_id, created_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_rebuilt RENAME TO accounts;
CREATE INDEX accounts_org_name ON accounts(org_id, name, id);
CREATE INDEX accounts_owner ON accounts(owner_id);
