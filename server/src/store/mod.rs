//! All of Roster's SQL, behind one type. Queries use only syntax SQLite and PostgreSQL share
//! (row values, QueryBuilder binds, CAST(NULL AS ...), LIKE ... ESCAPE); SQLite-only pieces say
//! what stands in for them on PostgreSQL.

use std::str::FromStr;
use std::time::Duration;

use roster_model::{OrgFeatures, Organization};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool};

use crate::secrets::{SecretKey, SecretKeyError};

mod accounts;
mod audit;
mod domains;
mod import;
mod invitations;
mod keyset;
mod maintenance;
mod manage;
mod outbox;
mod password_resets;
mod rows;
mod scim;
mod secrets;
mod seed;
mod sessions;
mod sql;
mod tokens;
mod users;
pub use accounts::*;
pub use audit::*;
pub use domains::*;
pub use import::*;
pub use invitations::*;
pub use keyset::{Cursor, Direction, SortKey};
pub use maintenance::*;
pub use outbox::*;
pub use password_resets::*;
pub use scim::*;
pub use seed::*;
pub use sessions::*;
pub use sql::{search_text, sort_name};
pub use tokens::*;
pub use users::*;

// The store's shared internals, which its feature modules reach as `super::…`.
use keyset::Keyset;
use outbox::queue_mail;
use rows::*;
use sql::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// Another writer held the database longer than the busy timeout (or every connection was in
    /// use that long): the request can be tried again.
    #[error("the database is busy")]
    Busy,
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    SecretKey(#[from] SecretKeyError),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes (BUSY_SNAPSHOT is 517).
        let busy = match &error {
            sqlx::Error::PoolTimedOut => true,
            sqlx::Error::Database(db) => db
                .code()
                .and_then(|code| code.parse::<i64>().ok())
                .is_some_and(|code| matches!(code & 0xff, 5 | 6)),
            _ => false,
        };
        if busy {
            StoreError::Busy
        } else {
            StoreError::Database(error)
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Encrypts TOTP secrets and keys recovery-code digests on their way in and out.
    key: SecretKey,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Brings the schema up to date on a connection of its own without foreign-key enforcement, as
/// SQLite's procedure for rebuilding a table requires (the pragma cannot change inside the
/// migration's transaction, and dropping a table with enforcement on would cascade to the rows
/// that refer to it); afterwards every reference must still hold.
async fn migrate(options: SqliteConnectOptions) -> StoreResult<()> {
    use sqlx::{ConnectOptions, Connection};
    let mut connection = options.connect().await?;
    MIGRATOR.run(&mut connection).await?;
    // The query planner picks the index a filtered list needs (a rare role, an account, "never
    // signed in") only when it knows how the rows spread; without statistics it walks the name
    // index of all 100,000 users. A sampled ANALYZE takes some 50 ms at that size.
    sqlx::query("PRAGMA analysis_limit = 1000")
        .execute(&mut connection)
        .await?;
    sqlx::query("ANALYZE").execute(&mut connection).await?;
    let dangling: Vec<sqlx::sqlite::SqliteRow> = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut connection)
        .await?;
    if !dangling.is_empty() {
        return Err(StoreError::Corrupt(format!(
            "{} rows refer to rows that no longer exist after the schema update",
            dangling.len()
        )));
    }
    connection.close().await?;
    Ok(())
}

impl Store {
    /// Opens (creating when missing) the database at `url`, brings its schema up to date, checks
    /// that `key` is the key its secrets were written with, and protects any secrets still stored
    /// in the clear from before.
    pub async fn open(url: &str, key: SecretKey) -> StoreResult<Store> {
        Store::open_with_busy_timeout(url, key, Duration::from_secs(5)).await
    }

    /// As [`Store::open`], waiting at most `busy_timeout` for another writer before a change
    /// gives up with [`StoreError::Busy`].
    pub async fn open_with_busy_timeout(
        url: &str,
        key: SecretKey,
        busy_timeout: Duration,
    ) -> StoreResult<Store> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(busy_timeout);
        migrate(options.clone().foreign_keys(false)).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(busy_timeout.max(Duration::from_secs(5)))
            .connect_with(options.foreign_keys(true))
            .await?;
        let store = Store { pool, key };
        store.check_secret_key().await?;
        store.protect_plain_secrets().await?;
        Ok(store)
    }

    /// The organization this server instance shows: the first one created.
    /// Starts a transaction that holds the write lock from its first statement. Changes here read
    /// and then write; a deferred transaction would fail (SQLITE_BUSY_SNAPSHOT) when another
    /// writer committed in between, where this one waits its turn. (PostgreSQL: plain BEGIN.)
    async fn begin(&self) -> StoreResult<sqlx::Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    pub async fn primary_org_id(&self) -> StoreResult<Option<i64>> {
        let id = sqlx::query_scalar("SELECT id FROM organizations ORDER BY id LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(id)
    }

    pub async fn organization(&self, org_id: i64) -> StoreResult<Option<Organization>> {
        let row =
            sqlx::query("SELECT id, name, bulk_import_enabled FROM organizations WHERE id = ?")
                .bind(org_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            Ok(Organization {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                features: OrgFeatures {
                    bulk_import: row.try_get::<i64, _>("bulk_import_enabled")? != 0,
                },
            })
        })
        .transpose()
    }
}

/// What became of a change to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateOutcome {
    Updated,
    NotFound,
    /// Someone changed the user since the version the change was based on.
    Stale,
    /// A rule forbids it; the message says which.
    Refused(&'static str),
    /// The field's new value is not acceptable, for this reason.
    Invalid(&'static str, String),
}
