//! Writing a dataset in bulk: the rows of whole organizations (the demo, or a benchmark
//! organization that `dataset` generates) in one transaction.

use roster_model::{AccountStatus, DomainState, OrgRole, RoleSet, Timestamp, UserStatus};

use sqlx::Row;

use super::builder::QueryBuilder;
use super::sql::{search_text, sort_name};
use super::{Backend, Store, StoreError, StoreResult};

/// Rows per multi-row INSERT: 18 columns × 1,000 rows stays under SQLite's 32,766 bound parameters.
const INSERT_CHUNK: usize = 1000;

impl Store {
    /// The first free id of every table the generator fills.
    pub async fn next_ids(&self) -> StoreResult<IdBase> {
        let next = |table: &'static str| {
            let pool = self.pool.clone();
            async move {
                let max: Option<i64> = sqlx::query_scalar(&format!("SELECT MAX(id) FROM {table}"))
                    .fetch_one(&pool)
                    .await?;
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

    /// Writes a generated dataset in one transaction, with multi-row inserts so that 100,000 users
    /// take seconds, not minutes.
    pub async fn insert_dataset(&self, data: &Dataset) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // PostgreSQL: row triggers that update one of a few rows per inserted row (an account's
        // access stamp, an organization's tab counts) build version chains within the
        // transaction that made a million-user seed take most of an hour. They are off during
        // the bulk insert, and what they maintain is computed once afterwards, as they would have.
        let postgres = self.backend == Backend::Postgres;
        let mut set_aside = Vec::new();
        if postgres {
            for table in SEED_TRIGGER_TABLES {
                sqlx::query(&format!("ALTER TABLE {table} DISABLE TRIGGER USER"))
                    .execute(&mut *tx)
                    .await?;
            }
            set_aside = set_aside_user_indexes(&mut tx, data.users.len()).await?;
        }
        for chunk in data.orgs.chunks(INSERT_CHUNK) {
            QueryBuilder::for_backend(
                self.backend,
                "INSERT INTO organizations (id, name, bulk_import_enabled, created_at) ",
            )
            .push_values(chunk, |mut row, org| {
                row.push_bind(org.id)
                    .push_bind(&org.name)
                    .push_bind(i64::from(org.bulk_import))
                    .push_bind(org.created_at);
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        for chunk in data.users.chunks(INSERT_CHUNK) {
            QueryBuilder::for_backend(
                self.backend,
                "INSERT INTO users (id, email, given_name, family_name, sort_name, search_text, status, \
                 totp_enrolled, two_factor_required, created_at, last_sign_in_at, org_id, org_role, \
                 joined_at, member_source, imported_by, password_hash, totp_secret) ",
            )
            .push_values(chunk, |mut row, user| {
                let membership = user.membership.as_ref();
                row.push_bind(user.id)
                    .push_bind(&user.email)
                    .push_bind(&user.given_name)
                    .push_bind(&user.family_name)
                    .push_bind(sort_name(&user.given_name, &user.family_name, &user.email))
                    .push_bind(search_text(&user.given_name, &user.family_name, &user.email))
                    .push_bind(user.status.as_str())
                    .push_bind(i64::from(user.totp_secret.is_some()))
                    .push_bind(i64::from(user.two_factor_required))
                    .push_bind(user.created_at)
                    .push_bind(user.last_sign_in_at)
                    .push_bind(membership.map(|m| m.org_id))
                    .push_bind(membership.map(|m| m.role.as_str()))
                    .push_bind(membership.map(|m| m.joined_at))
                    .push_bind(membership.map(|m| if m.imported_by.is_some() { "imported" } else { "invited" }))
                    .push_bind(membership.and_then(|m| m.imported_by))
                    .push_bind(&user.password_hash)
                    .push_bind(user.totp_secret.as_deref().map(|s| self.key.encrypt(s)));
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        for chunk in data.accounts.chunks(INSERT_CHUNK) {
            QueryBuilder::for_backend(
                self.backend,
                "INSERT INTO accounts (id, sid, org_id, name, status, owner_id, created_at) ",
            )
            .push_values(chunk, |mut row, account| {
                row.push_bind(account.id)
                    .push_bind(&account.sid)
                    .push_bind(account.org_id)
                    .push_bind(&account.name)
                    .push_bind(account.status.as_str())
                    .push_bind(account.owner_id)
                    .push_bind(account.created_at);
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        for chunk in data.access.chunks(INSERT_CHUNK) {
            QueryBuilder::for_backend(
                self.backend,
                "INSERT INTO account_access (account_id, user_id, roles, granted_at) ",
            )
            .push_values(chunk, |mut row, access| {
                row.push_bind(access.account_id)
                    .push_bind(access.user_id)
                    .push_bind(i64::from(access.roles.bits()))
                    .push_bind(access.granted_at);
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        if postgres && !data.access.is_empty() {
            let ids = data.access.iter().map(|a| a.account_id);
            let (first, last) = (ids.clone().min(), ids.max());
            sqlx::query(
                "UPDATE accounts SET access_changed_at = floor(extract(epoch FROM clock_timestamp()))::bigint \
                 WHERE id IN (SELECT account_id FROM account_access WHERE account_id BETWEEN $1 AND $2)",
            )
            .bind(first)
            .bind(last)
            .execute(&mut *tx)
            .await?;
        }
        for chunk in data.domains.chunks(INSERT_CHUNK) {
            QueryBuilder::for_backend(
                self.backend,
                "INSERT INTO domains (id, org_id, name, state, token, created_at, verified_at, last_checked_at) ",
            )
            .push_values(chunk, |mut row, domain| {
                row.push_bind(domain.id)
                    .push_bind(domain.org_id)
                    .push_bind(&domain.name)
                    .push_bind(domain.state.as_str())
                    .push_bind(&domain.token)
                    .push_bind(domain.created_at)
                    .push_bind(domain.verified_at)
                    .push_bind(domain.last_checked_at);
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        for chunk in data.invitations.chunks(INSERT_CHUNK) {
            QueryBuilder::for_backend(
                self.backend,
                "INSERT INTO invitations (id, org_id, user_id, invited_by, state, sent_at, last_sent_at, expires_at, token_hash) ",
            )
            .push_values(chunk, |mut row, invitation| {
                row.push_bind(invitation.id)
                    .push_bind(invitation.org_id)
                    .push_bind(invitation.user_id)
                    .push_bind(invitation.invited_by)
                    .push_bind("pending")
                    .push_bind(invitation.sent_at)
                    .push_bind(invitation.last_sent_at)
                    .push_bind(invitation.expires_at)
                    .push_bind(
                        invitation
                            .demo_token
                            .as_deref()
                            .map(crate::auth::token_hash),
                    );
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        let invitation_accounts: Vec<(i64, i64, RoleSet)> = data
            .invitations
            .iter()
            .flat_map(|i| {
                i.accounts
                    .iter()
                    .map(|(account, roles)| (i.id, *account, *roles))
            })
            .collect();
        for chunk in invitation_accounts.chunks(INSERT_CHUNK) {
            QueryBuilder::for_backend(
                self.backend,
                "INSERT INTO invitation_accounts (invitation_id, account_id, roles) ",
            )
            .push_values(chunk, |mut row, (invitation, account, roles)| {
                row.push_bind(*invitation)
                    .push_bind(*account)
                    .push_bind(i64::from(roles.bits()));
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        if postgres {
            // Building an index over rows already there is several times quicker than growing it
            // a row at a time (a trigram index most of all); the sort may use more memory.
            sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
                .execute(&mut *tx)
                .await?;
            for definition in &set_aside {
                sqlx::query(definition).execute(&mut *tx).await?;
            }
            for statement in RECOUNT_USERS {
                sqlx::query(statement).execute(&mut *tx).await?;
            }
            for table in SEED_TRIGGER_TABLES {
                sqlx::query(&format!("ALTER TABLE {table} ENABLE TRIGGER USER"))
                    .execute(&mut *tx)
                    .await?;
            }
            // The rows came with their ids: each identity goes on after the highest.
            for table in [
                "organizations",
                "users",
                "accounts",
                "domains",
                "invitations",
            ] {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                ))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// PostgreSQL: when a seed brings more users than the table holds, drops the indexes on users
/// that no constraint needs, to build them again once the rows are in; returns their definitions.
async fn set_aside_user_indexes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    new_users: usize,
) -> StoreResult<Vec<String>> {
    let new_users = i64::try_from(new_users).unwrap_or(i64::MAX);
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT $1) held")
        .bind(new_users)
        .fetch_one(&mut **tx)
        .await?;
    if held >= new_users {
        return Ok(Vec::new());
    }
    let indexes = sqlx::query(
        "SELECT CAST(i.indexrelid::regclass AS TEXT) AS name, pg_get_indexdef(i.indexrelid) AS definition \
         FROM pg_index i WHERE i.indrelid = 'users'::regclass \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut definitions = Vec::with_capacity(indexes.len());
    for index in indexes {
        let name: String = index.try_get("name")?;
        sqlx::query(&format!("DROP INDEX {name}"))
            .execute(&mut **tx)
            .await?;
        definitions.push(index.try_get("definition")?);
    }
    Ok(definitions)
}

/// The tables whose row triggers a PostgreSQL seed turns off.
const SEED_TRIGGER_TABLES: [&str; 5] = [
    "organizations",
    "users",
    "account_access",
    "invitations",
    "org_access",
];

/// What the triggers of the lists maintain (tab counts, who can access each organization's
/// accounts, the invitees' sort keys), computed anew for the whole database as the migration that
/// brought them did.
const RECOUNT_USERS: [&str; 5] = [
    "UPDATE invitations i SET invitee_sort_name = u.sort_name, invitee_email = u.email \
     FROM users u WHERE u.id = i.user_id AND i.invitee_email IS NULL",
    "DELETE FROM org_access",
    "INSERT INTO org_access (org_id, user_id, accounts, member, sort_name, email, created_at) \
     SELECT a.org_id, g.user_id, COUNT(*), CASE WHEN u.org_id = a.org_id THEN 1 ELSE 0 END, \
     u.sort_name, u.email, u.created_at \
     FROM account_access g JOIN accounts a ON a.id = g.account_id JOIN users u ON u.id = g.user_id \
     WHERE a.org_id IS NOT NULL GROUP BY a.org_id, g.user_id, u.id",
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
