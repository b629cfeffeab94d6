//! Writing a dataset in bulk: the rows of whole organizations (the demo, or a benchmark
//! organization that `dataset` generates) in one transaction.

use roster_model::{AccountStatus, DomainState, OrgRole, RoleSet, Timestamp, UserStatus};

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::Arc;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Any, ConnectOptions, Connection, Postgres, Row};

use super::builder::QueryBuilder;
use super::sql::{search_text, sort_name};
use super::{Backend, Database, Store, StoreError, StoreResult};

/// Rows per multi-row INSERT: 18 columns × 1,000 rows stays under SQLite's 32,766 bound parameters.
const INSERT_CHUNK: usize = 1000;
/// SQLite's page cache while seeding: 256 MB (a negative size is in KiB).
const SEED_CACHE_SIZE: &str = "PRAGMA cache_size = -262144";
/// Bytes of COPY text sent at a time.
const COPY_BUFFER: usize = 1 << 20;

impl Store {
    /// The first free id of every table the generator fills: past the highest id there, and past
    /// every id given before (a deleted user's is never given again; see SQLite's 0023).
    pub async fn next_ids(&self) -> StoreResult<IdBase> {
        let backend = self.backend();
        let next = |table: &'static str| {
            let pool = self.pool.clone();
            let given = match backend {
                Backend::Sqlite => format!(
                    "SELECT MAX(COALESCE((SELECT MAX(id) FROM {table}), 0), \
                     COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0))"
                ),
                Backend::Postgres => format!(
                    "SELECT GREATEST(COALESCE((SELECT MAX(id) FROM {table}), 0), \
                     COALESCE(pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id')), 0))"
                ),
            };
            async move {
                let max: Option<i64> = sqlx::query_scalar(&given).fetch_one(&pool).await?;
                Ok::<i64, StoreError>(max.unwrap_or(0) + 1)
            }
        };
        Ok(IdBase {
            org: next("organizations").await?,
            user: next("users").await?,
            account: next("accounts").await?,
            domain: next("domains").await?,
            invitation: next("invitations").await?,
        })
    }

    /// Writes a generated dataset in one transaction: on SQLite with multi-row inserts, on
    /// PostgreSQL with COPY.
    pub async fn insert_dataset(&self, data: &Dataset) -> StoreResult<()> {
        let tables = self.seed_tables(data);
        match &self.database {
            Database::Sqlite => {
                // A page cache big enough for the indexes being filled: with SQLite's 2 MB,
                // half of a large seed went to writing out and reading back the same pages. The
                // connection is closed after, so the pool keeps its usual ones.
                let mut connection = self.pool.acquire().await?;
                connection.close_on_drop();
                sqlx::query(SEED_CACHE_SIZE)
                    .execute(&mut *connection)
                    .await?;
                let mut tx = connection.begin_with("BEGIN IMMEDIATE").await?;
                for table in tables {
                    insert_rows(&mut tx, table).await?;
                }
                tx.commit().await?;
            }
            Database::Postgres(options) => copy_dataset(options, tables, data).await?,
        }
        Ok(())
    }

    /// The rows of every table the dataset fills, in an order that satisfies their references.
    fn seed_tables<'d>(&'d self, data: &'d Dataset) -> Vec<SeedTable<'d>> {
        let orgs = data.orgs.iter().map(|org| {
            vec![
                Cell::Int(Some(org.id)),
                Cell::text(&org.name),
                Cell::Int(Some(i64::from(org.bulk_import))),
                Cell::Int(Some(org.created_at)),
            ]
        });
        let users = data.users.iter().map(|user| {
            let membership = user.membership.as_ref();
            vec![
                Cell::Int(Some(user.id)),
                Cell::text(&user.email),
                Cell::text(&user.given_name),
                Cell::text(&user.family_name),
                Cell::owned(sort_name(&user.given_name, &user.family_name, &user.email)),
                Cell::owned(search_text(
                    &user.given_name,
                    &user.family_name,
                    &user.email,
                )),
                Cell::text(user.status.as_str()),
                Cell::Int(Some(i64::from(user.totp_secret.is_some()))),
                Cell::Int(Some(i64::from(user.two_factor_required))),
                Cell::Int(Some(user.created_at)),
                Cell::Int(user.last_sign_in_at),
                Cell::Int(membership.map(|m| m.org_id)),
                Cell::Text(membership.map(|m| m.role.as_str().into())),
                Cell::Int(membership.map(|m| m.joined_at)),
                Cell::Text(membership.map(|m| {
                    if m.imported_by.is_some() {
                        "imported"
                    } else {
                        "invited"
                    }
                    .into()
                })),
                Cell::Int(membership.and_then(|m| m.imported_by)),
                Cell::Text(user.password_hash.as_deref().map(Into::into)),
                Cell::Text(
                    user.totp_secret
                        .as_deref()
                        .map(|s| self.key.encrypt(s).into()),
                ),
            ]
        });
        let accounts = data.accounts.iter().map(|account| {
            vec![
                Cell::Int(Some(account.id)),
                Cell::text(&account.sid),
                Cell::Int(Some(account.org_id)),
                Cell::text(&account.name),
                Cell::text(account.status.as_str()),
                Cell::Int(Some(account.owner_id)),
                Cell::Int(Some(account.created_at)),
            ]
        });
        let access = data.access.iter().map(|access| {
            vec![
                Cell::Int(Some(access.account_id)),
                Cell::Int(Some(access.user_id)),
                Cell::Int(Some(i64::from(access.roles.bits()))),
                Cell::Int(Some(access.granted_at)),
            ]
        });
        let domains = data.domains.iter().map(|domain| {
            vec![
                Cell::Int(Some(domain.id)),
                Cell::Int(Some(domain.org_id)),
                Cell::text(&domain.name),
                Cell::text(domain.state.as_str()),
                Cell::text(&domain.token),
                Cell::Int(Some(domain.created_at)),
                Cell::Int(domain.verified_at),
                Cell::Int(domain.last_checked_at),
            ]
        });
        // PostgreSQL's seed writes with its triggers off: what they would keep beside each
        // invitation and access row (the invitee's or user's sort keys and state, the roles
        // granted) goes in with
        // the rows, from the dataset, which refers only to its own users and accounts.
        let copies_kept_rows = self.backend() == Backend::Postgres;
        let users_by_id: Arc<HashMap<i64, &NewUser>> = Arc::new(if copies_kept_rows {
            data.users.iter().map(|user| (user.id, user)).collect()
        } else {
            HashMap::new()
        });
        let invitees = Arc::clone(&users_by_id);
        let invitations = data.invitations.iter().map(move |invitation| {
            let mut cells = vec![
                Cell::Int(Some(invitation.id)),
                Cell::Int(Some(invitation.org_id)),
                Cell::Int(Some(invitation.user_id)),
                Cell::Int(Some(invitation.invited_by)),
                Cell::text("pending"),
                Cell::Int(Some(invitation.sent_at)),
                Cell::Int(invitation.last_sent_at),
                Cell::Int(Some(invitation.expires_at)),
                Cell::Text(
                    invitation
                        .demo_token
                        .as_deref()
                        .map(|token| crate::auth::token_hash(token).into()),
                ),
            ];
            if copies_kept_rows {
                let invitee = invitees.get(&invitation.user_id).copied();
                debug_assert!(invitee.is_some(), "an invitation to a user of the dataset");
                cells.extend([
                    Cell::Text(
                        invitee.map(|u| sort_name(&u.given_name, &u.family_name, &u.email).into()),
                    ),
                    Cell::Text(invitee.map(|u| Cow::Borrowed(u.email.as_str()))),
                ]);
                cells.extend(kept_state(invitee));
                // The bits of every account's roles, as the database's bitwise union has them
                // (`RoleSet::union` would make the set canonical).
                let granted = invitation
                    .accounts
                    .iter()
                    .fold(0, |bits, (_, roles)| bits | roles.bits());
                cells.push(Cell::Int(Some(i64::from(granted))));
            }
            cells
        });
        let invitation_accounts = data.invitations.iter().flat_map(|invitation| {
            invitation.accounts.iter().map(|(account, roles)| {
                vec![
                    Cell::Int(Some(invitation.id)),
                    Cell::Int(Some(*account)),
                    Cell::Int(Some(i64::from(roles.bits()))),
                ]
            })
        });
        let mut tables = vec![
            SeedTable::new("organizations (id, name, bulk_import_enabled, created_at)", orgs),
            SeedTable::new(
                "users (id, email, given_name, family_name, sort_name, search_text, status, \
                 totp_enrolled, two_factor_required, created_at, last_sign_in_at, org_id, org_role, \
                 joined_at, member_source, imported_by, password_hash, totp_secret)",
                users,
            ),
            SeedTable::new(
                "accounts (id, sid, org_id, name, status, owner_id, created_at)",
                accounts,
            ),
            SeedTable::new("account_access (account_id, user_id, roles, granted_at)", access),
            SeedTable::new(
                "domains (id, org_id, name, state, token, created_at, verified_at, last_checked_at)",
                domains,
            ),
            SeedTable::new(
                if copies_kept_rows {
                    "invitations (id, org_id, user_id, invited_by, state, sent_at, last_sent_at, \
                     expires_at, token_hash, invitee_sort_name, invitee_email, invitee_status, \
                     invitee_totp_enrolled, invitee_two_factor_required, invitee_last_sign_in_at, \
                     account_roles)"
                } else {
                    "invitations (id, org_id, user_id, invited_by, state, sent_at, last_sent_at, \
                     expires_at, token_hash)"
                },
                invitations,
            ),
            SeedTable::new(
                "invitation_accounts (invitation_id, account_id, roles)",
                invitation_accounts,
            ),
        ];
        if copies_kept_rows {
            tables.push(SeedTable::new(
                "org_access (org_id, user_id, accounts, member, sort_name, email, created_at, \
                 status, totp_enrolled, two_factor_required, last_sign_in_at, roles, imported)",
                org_access_rows(data, users_by_id),
            ));
        }
        tables
    }
}

/// A user's state as the triggers copy it beside the rows the lists' filters test: status,
/// two-factor enrolment and requirement, last sign-in.
fn kept_state<'d>(user: Option<&NewUser>) -> [Cell<'d>; 4] {
    [
        Cell::Text(user.map(|u| u.status.as_str().into())),
        Cell::Int(user.map(|u| i64::from(u.totp_secret.is_some()))),
        Cell::Int(user.map(|u| i64::from(u.two_factor_required))),
        Cell::Int(user.and_then(|u| u.last_sign_in_at)),
    ]
}

/// PostgreSQL: the `org_access` rows its triggers would have made for the dataset's grants: per
/// organization and user, how many of its accounts they can access and with which roles, whether
/// they are a member (and an imported one), and the user's sort keys and state.
fn org_access_rows<'d>(
    data: &'d Dataset,
    users_by_id: Arc<HashMap<i64, &'d NewUser>>,
) -> impl Iterator<Item = Vec<Cell<'d>>> + Send + 'd {
    let account_org: HashMap<i64, i64> = data
        .accounts
        .iter()
        .map(|account| (account.id, account.org_id))
        .collect();
    // Per organization and user: how many of its accounts, and the bits of the roles held there.
    let mut grants: BTreeMap<(i64, i64), (i64, u8)> = BTreeMap::new();
    for access in &data.access {
        let org_id = account_org.get(&access.account_id);
        debug_assert!(org_id.is_some(), "a grant on an account of the dataset");
        if let Some(&org_id) = org_id {
            let (accounts, roles) = grants.entry((org_id, access.user_id)).or_default();
            *accounts += 1;
            *roles |= access.roles.bits();
        }
    }
    grants
        .into_iter()
        .filter_map(move |((org_id, user_id), (accounts, roles))| {
            let user = users_by_id.get(&user_id).copied();
            debug_assert!(user.is_some(), "a grant to a user of the dataset");
            let user = user?;
            let membership = user.membership.as_ref().filter(|m| m.org_id == org_id);
            let member = membership.is_some();
            let imported = membership.is_some_and(|m| m.imported_by.is_some());
            let mut cells = vec![
                Cell::Int(Some(org_id)),
                Cell::Int(Some(user_id)),
                Cell::Int(Some(accounts)),
                Cell::Int(Some(i64::from(member))),
                Cell::owned(sort_name(&user.given_name, &user.family_name, &user.email)),
                Cell::text(&user.email),
                Cell::Int(Some(user.created_at)),
            ];
            cells.extend(kept_state(Some(user)));
            cells.push(Cell::Int(Some(i64::from(roles))));
            cells.push(Cell::Int(Some(i64::from(imported))));
            Some(cells)
        })
}

/// One value of a seeded row.
enum Cell<'d> {
    Int(Option<i64>),
    Text(Option<Cow<'d, str>>),
}

impl<'d> Cell<'d> {
    fn text(text: &'d str) -> Self {
        Cell::Text(Some(Cow::Borrowed(text)))
    }

    fn owned(text: String) -> Self {
        Cell::Text(Some(Cow::Owned(text)))
    }

    /// Appends the value in COPY's text format: `\N` for NULL, and the characters that would
    /// end a value or a row escaped.
    fn write_copy_text(&self, out: &mut String) {
        match self {
            Cell::Int(Some(value)) => {
                let _ = write!(out, "{value}");
            }
            Cell::Int(None) | Cell::Text(None) => out.push_str("\\N"),
            Cell::Text(Some(text)) => {
                for character in text.chars() {
                    match character {
                        '\\' => out.push_str("\\\\"),
                        '\t' => out.push_str("\\t"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        other => out.push(other),
                    }
                }
            }
        }
    }
}

/// A table and the rows to write into it: `target` is the table with its column list.
struct SeedTable<'d> {
    target: &'static str,
    rows: Box<dyn Iterator<Item = Vec<Cell<'d>>> + Send + 'd>,
}

impl<'d> SeedTable<'d> {
    fn new(target: &'static str, rows: impl Iterator<Item = Vec<Cell<'d>>> + Send + 'd) -> Self {
        SeedTable {
            target,
            rows: Box::new(rows),
        }
    }
}

/// SQLite: writes a table's rows with multi-row inserts of [`INSERT_CHUNK`] rows.
async fn insert_rows(tx: &mut sqlx::Transaction<'_, Any>, table: SeedTable<'_>) -> StoreResult<()> {
    let mut rows = table.rows.peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(INSERT_CHUNK).collect();
        QueryBuilder::for_backend(Backend::Sqlite, format!("INSERT INTO {} ", table.target))
            .push_values(chunk, |mut row, cells| {
                for cell in cells {
                    match cell {
                        Cell::Int(value) => row.push_bind(value),
                        Cell::Text(value) => row.push_bind(value.map(Cow::into_owned)),
                    };
                }
            })
            .build()
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// PostgreSQL: the whole dataset in one transaction on a connection of its own (the Any driver
/// has no COPY). Row triggers that update one of a few rows per inserted row (an account's
/// access stamp, an organization's tab counts) would build version chains within the
/// transaction, so they are off during the bulk write: the rows they would have written beside
/// each invitation and access grant come with the dataset's own rows (`seed_tables`), and the
/// stamps, counts and members' search rows (`member_search`) are written once afterwards, as they
/// would have been.
async fn copy_dataset(
    options: &PgConnectOptions,
    tables: Vec<SeedTable<'_>>,
    data: &Dataset,
) -> StoreResult<()> {
    let mut connection = options.connect().await?;
    let mut tx = connection.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(super::WRITER_LOCK)
        .execute(&mut *tx)
        .await?;
    for table in SEED_TRIGGER_TABLES {
        sqlx::query(&format!("ALTER TABLE {table} DISABLE TRIGGER USER"))
            .execute(&mut *tx)
            .await?;
    }
    // Setting a table's foreign keys aside locks the tables they refer to against reads too:
    // only a seed that outgrows a table pays that for the quicker bulk write.
    let mut restore = Vec::new();
    let outgrown_users = outgrows(&mut tx, "users", data.users.len()).await?;
    if outgrown_users {
        restore.extend(set_aside(&mut tx, "users").await?);
    }
    let outgrown_access = outgrows(&mut tx, "account_access", data.access.len()).await?;
    if outgrown_access {
        restore.extend(set_aside(&mut tx, "account_access").await?);
    }
    let bulk = outgrown_users || outgrown_access;
    if bulk {
        // About a row per user with access: it grows with them.
        restore.extend(set_aside(&mut tx, "org_access").await?);
    }
    if outgrown_users {
        // A row per member.
        restore.extend(set_aside(&mut tx, "member_search").await?);
    }
    for table in tables {
        let mut copy = tx
            .copy_in_raw(&format!("COPY {} FROM STDIN", table.target))
            .await?;
        let mut buffer = String::with_capacity(COPY_BUFFER + 1024);
        for cells in table.rows {
            for (index, cell) in cells.iter().enumerate() {
                if index > 0 {
                    buffer.push('\t');
                }
                cell.write_copy_text(&mut buffer);
            }
            buffer.push('\n');
            if buffer.len() >= COPY_BUFFER {
                copy.send(std::mem::take(&mut buffer).into_bytes()).await?;
                buffer.reserve(COPY_BUFFER + 1024);
            }
        }
        if !buffer.is_empty() {
            copy.send(buffer.into_bytes()).await?;
        }
        copy.finish().await?;
    }
    if !data.access.is_empty() {
        let ids = data.access.iter().map(|a| a.account_id);
        let (first, last) = (ids.clone().min(), ids.max());
        sqlx::query(
            "UPDATE accounts SET access_changed_at = floor(extract(epoch FROM clock_timestamp()))::bigint, \
             access_version = access_version + 1 WHERE id IN (SELECT account_id FROM account_access WHERE account_id BETWEEN $1 AND $2)",
        )
        .bind(first)
        .bind(last)
        .execute(&mut *tx)
        .await?;
    }
    // Building an index or checking references over rows already there is several times quicker
    // than row by row (a trigram index most of all); its sorts, the recount's joins and the
    // search rows' order may use more memory.
    sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
        .execute(&mut *tx)
        .await?;
    sqlx::query("SET LOCAL work_mem = '256MB'")
        .execute(&mut *tx)
        .await?;
    // The members' search rows, which the users' triggers, off meanwhile, would have written: in
    // the order the daily upkeep keeps them in (`Store::order_member_search`).
    let user_ids = data.users.iter().map(|user| user.id);
    if let (Some(first), Some(last)) = (user_ids.clone().min(), user_ids.max()) {
        sqlx::query(
            "INSERT INTO member_search (id, org_id, joined_at, sort_name, email, search_text) \
             SELECT id, org_id, joined_at, sort_name, email, search_text FROM users \
             WHERE id BETWEEN $1 AND $2 AND org_id IS NOT NULL ORDER BY org_id, sort_name, id",
        )
        .bind(first)
        .bind(last)
        .execute(&mut *tx)
        .await?;
    }
    for statement in &restore {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    for statement in RECOUNT_TABS {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    for table in SEED_TRIGGER_TABLES {
        sqlx::query(&format!("ALTER TABLE {table} ENABLE TRIGGER USER"))
            .execute(&mut *tx)
            .await?;
    }
    // The rows came with their ids: each identity goes on after the highest (never back, past
    // ids given before to rows since deleted).
    for table in [
        "organizations",
        "users",
        "accounts",
        "domains",
        "invitations",
    ] {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(MAX(id), \
             pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id')))) FROM {table}"
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    // Committed: from here on, a failure loses nothing and is no failure of the seed.
    if bulk {
        // A bulk write leaves the tables' visibility maps unset and their statistics stale:
        // until autovacuum came by, index-only scans would read the table as well, and plans
        // would rest on guesses. VACUUM runs outside a transaction, and waits for any autovacuum
        // already at the table (no lock timeout).
        let vacuum = async {
            sqlx::query("SET lock_timeout = 0")
                .execute(&mut connection)
                .await?;
            for table in SEED_VACUUM_TABLES {
                sqlx::query(&format!("VACUUM (ANALYZE) {table}"))
                    .execute(&mut connection)
                    .await?;
            }
            Ok::<(), sqlx::Error>(())
        };
        if let Err(error) = vacuum.await {
            tracing::warn!(%error, "the seed is in; vacuuming its tables failed (autovacuum will)");
        }
    }
    let _ = connection.close().await;
    Ok(())
}

/// PostgreSQL: whether a seed brings more rows to `table` than it holds (then its indexes and
/// references are quicker built and checked afresh than a row at a time).
async fn outgrows(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    table: &str,
    new_rows: usize,
) -> StoreResult<bool> {
    let new_rows = i64::try_from(new_rows).unwrap_or(i64::MAX);
    let held: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT $1) held"
    ))
    .bind(new_rows)
    .fetch_one(&mut **tx)
    .await?;
    Ok(held < new_rows)
}

/// PostgreSQL: drops the foreign keys of `table` and the indexes that no constraint needs, to
/// add them again once the rows are in (as pg_restore does: a row-by-row reference check locks
/// each row referred to, rewriting its page; one check of all rows is a join); returns the
/// statements that restore them. A partitioned table's index is defined `ON ONLY` the table (as
/// pg_dump attaches each partition's after): restored without `ONLY`, it is built on every
/// partition.
async fn set_aside(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    table: &str,
) -> StoreResult<Vec<String>> {
    let set_aside = sqlx::query(
        "SELECT 1 AS step, format('DROP INDEX %s', i.indexrelid::regclass) AS drop_it, \
         regexp_replace(pg_get_indexdef(i.indexrelid), '^(CREATE (UNIQUE )?INDEX \\S+ ON )ONLY ', '\\1') \
         AS restore \
         FROM pg_index i WHERE i.indrelid = CAST($1 AS regclass) \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) \
         UNION ALL \
         SELECT 2, format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname), \
         format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, \
         pg_get_constraintdef(c.oid)) \
         FROM pg_constraint c WHERE c.conrelid = CAST($1 AS regclass) AND c.contype = 'f' \
         ORDER BY step",
    )
    .bind(table)
    .fetch_all(&mut **tx)
    .await?;
    let mut restore = Vec::with_capacity(set_aside.len());
    for item in set_aside {
        let drop_it: String = item.try_get("drop_it")?;
        sqlx::query(&drop_it).execute(&mut **tx).await?;
        restore.push(item.try_get("restore")?);
    }
    Ok(restore)
}

/// The tables whose row triggers a PostgreSQL seed turns off.
const SEED_TRIGGER_TABLES: [&str; 6] = [
    "organizations",
    "users",
    "account_access",
    "invitations",
    "invitation_accounts",
    "org_access",
];

/// The tables a large PostgreSQL seed writes most of, or rewrites (`accounts` once per account),
/// vacuumed after it.
const SEED_VACUUM_TABLES: [&str; 6] = [
    "users",
    "member_search",
    "account_access",
    "org_access",
    "invitations",
    "accounts",
];

/// Each organization's tab counts, which the triggers keep, counted anew for the whole database
/// as the migration that brought them did.
const RECOUNT_TABS: [&str; 2] = [
    "INSERT INTO org_user_counts (org_id) SELECT id FROM organizations ON CONFLICT (org_id) DO NOTHING",
    "UPDATE org_user_counts SET \
     managed = (SELECT COUNT(*) FROM users u WHERE u.org_id = org_user_counts.org_id), \
     imported = (SELECT COUNT(*) FROM users u WHERE u.org_id = org_user_counts.org_id AND u.member_source = 'imported'), \
     invited = (SELECT COUNT(*) FROM invitations i WHERE i.org_id = org_user_counts.org_id \
                AND i.state = 'pending' AND i.account_id IS NULL), \
     external = (SELECT COUNT(*) FROM org_access x WHERE x.org_id = org_user_counts.org_id AND x.member = 0)",
];

pub struct NewOrg {
    pub id: i64,
    pub name: String,
    pub bulk_import: bool,
    pub created_at: Timestamp,
}

pub struct NewUser {
    pub id: i64,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub status: UserStatus,
    /// Set for users enrolled in two-factor.
    pub totp_secret: Option<String>,
    pub two_factor_required: bool,
    pub created_at: Timestamp,
    pub last_sign_in_at: Option<Timestamp>,
    pub membership: Option<Membership>,
    pub password_hash: Option<String>,
}

pub struct Membership {
    pub org_id: i64,
    pub role: OrgRole,
    pub joined_at: Timestamp,
    /// Set when the user came in by bulk import: who imported them.
    pub imported_by: Option<i64>,
}

pub struct NewAccount {
    pub id: i64,
    pub sid: String,
    pub org_id: i64,
    pub name: String,
    pub status: AccountStatus,
    pub owner_id: i64,
    pub created_at: Timestamp,
}

pub struct NewAccess {
    pub account_id: i64,
    pub user_id: i64,
    pub roles: RoleSet,
    pub granted_at: Timestamp,
}

pub struct NewDomain {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub state: DomainState,
    pub token: String,
    pub created_at: Timestamp,
    pub verified_at: Option<Timestamp>,
    pub last_checked_at: Option<Timestamp>,
}

pub struct NewInvitation {
    /// The link token of a demo invitation (stored hashed), so the demo has a link to show:
    /// only expired demo invitations get one.
    pub demo_token: Option<String>,
    pub id: i64,
    pub org_id: i64,
    pub user_id: i64,
    pub invited_by: i64,
    pub sent_at: Timestamp,
    pub last_sent_at: Option<Timestamp>,
    pub expires_at: Timestamp,
    pub accounts: Vec<(i64, RoleSet)>,
}

/// The first free id of each table, so generated rows never collide with stored ones.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdBase {
    pub org: i64,
    pub user: i64,
    pub account: i64,
    pub domain: i64,
    pub invitation: i64,
}

#[derive(Default)]
pub struct Dataset {
    pub orgs: Vec<NewOrg>,
    pub users: Vec<NewUser>,
    pub accounts: Vec<NewAccount>,
    pub access: Vec<NewAccess>,
    pub domains: Vec<NewDomain>,
    pub invitations: Vec<NewInvitation>,
}

#[cfg(test)]
mod tests {
    use super::Cell;

    #[test]
    fn copy_text_escapes_what_would_end_a_value_or_a_row() {
        let mut out = String::new();
        for cell in [
            Cell::Int(Some(-7)),
            Cell::Int(None),
            Cell::Text(None),
            Cell::text("Zoë\tO\\Brien\r\nnext"),
            Cell::text("\\N"),
        ] {
            cell.write_copy_text(&mut out);
            out.push('|');
        }
        assert_eq!(out, "-7|\\N|\\N|Zoë\\tO\\\\Brien\\r\\nnext|\\\\N|");
    }
}
