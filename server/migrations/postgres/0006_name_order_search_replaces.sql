-- no-transaction
-- users_org_name_search (0005) serves everything this index did.
DROP INDEX CONCURRENTLY IF EXISTS users_org_name;
