//! All of Roster's SQL, behind one type, for SQLite and PostgreSQL alike (sqlx's Any driver). Each
//! query is one text in the syntax both share (`$1` placeholders, row values, CAST(NULL AS ...),
//! LIKE ... ESCAPE, CASE for what would be a boolean column); where the dialects differ,
//! [`Backend`] picks the half of the pair that runs.

use std::str::FromStr;
use std::time::Duration;

use roster_model::{OrgFeatures, Organization};
use sqlx::any::AnyPoolOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Any, AnyPool, Executor, Row};

use crate::secrets::{SecretKey, SecretKeyError};

mod accounts;
mod audit;
mod builder;
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
pub use keyset::{Cursor, Direction, SortKey, Tally};
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
use keyset::{Keyset, Total};
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
    /// The admin making a change was suspended, removed or given another role, or the session or
    /// token the request came in on ended, while it waited its turn: it changes nothing.
    #[error("the caller no longer acts as the request was authorized")]
    NoLongerActs,
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    SecretKey(#[from] SecretKeyError),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        let busy = match &error {
            sqlx::Error::PoolTimedOut => true,
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes
                    // (BUSY_SNAPSHOT is 517).
                    code.parse::<i64>()
                        .is_ok_and(|code| matches!(code & 0xff, 5 | 6))
                } else {
                    // PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
                    matches!(&*code, "40001" | "40P01" | "55P03")
                }
            }
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

/// Which database the store runs on. The SQL is one text for both wherever their dialects agree;
/// where they do not, the store asks this for its half of the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names: `postgres://` or `postgresql://`, else SQLite.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// Where a text first holds another (1-based; 0 when it does not).
    fn position_function(self) -> &'static str {
        match self {
            Backend::Sqlite => "instr",
            Backend::Postgres => "strpos",
        }
    }
}

/// The backend a store runs on, with what it needs beyond the pool.
#[derive(Clone)]
enum Database {
    Sqlite,
    /// Where to open a connection of the driver's own, for what the Any driver cannot do (COPY,
    /// in a seed). Boxed, so that a store on SQLite is not the size of PostgreSQL's options.
    Postgres(Box<PgConnectOptions>),
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    database: Database,
    /// Encrypts TOTP secrets and keys recovery-code digests on their way in and out.
    key: SecretKey,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Brings the schema up to date on a connection of its own without foreign-key enforcement, as
/// SQLite's procedure for rebuilding a table requires (the pragma cannot change inside the
/// migration's transaction, and dropping a table with enforcement on would cascade to the rows
/// that refer to it); afterwards every reference must still hold.
async fn migrate_sqlite(options: SqliteConnectOptions) -> StoreResult<()> {
    use sqlx::{ConnectOptions, Connection};
    let mut connection = options.connect().await?;
    SQLITE_MIGRATOR.run(&mut connection).await?;
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

/// Brings a PostgreSQL schema up to date. Concurrent replicas starting at once are safe: sqlx
/// holds an advisory lock while it migrates.
async fn migrate_postgres(options: PgConnectOptions) -> StoreResult<()> {
    use sqlx::{ConnectOptions, Connection};
    let mut connection = options.connect().await?;
    POSTGRES_MIGRATOR.run(&mut connection).await?;
    sqlx::query("ANALYZE").execute(&mut connection).await?;
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
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url);
        let pool_options = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(busy_timeout.max(Duration::from_secs(5)));
        // Set on every new connection: the Any driver opens SQLite from the URL alone, which
        // cannot carry these settings; on PostgreSQL a change that waits longer than the busy
        // timeout for the writer lock gives up as busy, as on SQLite (0 would mean no limit).
        let millis = busy_timeout.as_millis();
        let database;
        let session_setup: std::sync::Arc<str> = match backend {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal);
                migrate_sqlite(options.foreign_keys(false)).await?;
                database = Database::Sqlite;
                // Reads through a memory map share the operating system's cache between the
                // pool's connections instead of copying pages into each one's own 2 MB cache:
                // concurrent searches of 100,000 users went from 27 to 93 a second. Writes still
                // go through the WAL. The mapped pages count in the process's resident size,
                // and an I/O error under the map ends the process (SIGBUS) instead of a query.
                format!(
                    "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = {millis}; PRAGMA mmap_size = {SQLITE_MMAP_SIZE};"
                )
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url)?;
                migrate_postgres(options.clone()).await?;
                // Every execution is planned for its own parameters. A prepared statement's
                // generic plan, which PostgreSQL adopts after five runs, cannot see the search
                // term: it read the trigram index for every term, and a two-letter term, which
                // has no trigram, went through all 1,000,000 users (2 s instead of 40 ms).
                let settings = [
                    ("lock_timeout", millis.max(1).to_string()),
                    ("plan_cache_mode", "force_custom_plan".to_string()),
                ];
                let setup = settings
                    .iter()
                    .map(|(name, value)| format!("SET {name} = {value};"))
                    .collect::<String>();
                database = Database::Postgres(Box::new(options.options(settings)));
                setup
            }
        }
        .into();
        let pool = pool_options
            .after_connect(move |connection, _| {
                let session_setup = session_setup.clone();
                Box::pin(async move {
                    connection.execute(&*session_setup).await?;
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        let store = Store {
            pool,
            database,
            key,
        };
        store.check_secret_key().await?;
        store.protect_plain_secrets().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self.database {
            Database::Sqlite => Backend::Sqlite,
            Database::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a transaction that holds the write lock from its first statement. Changes here read
    /// and then write; a deferred transaction would fail (SQLITE_BUSY_SNAPSHOT) when another
    /// writer committed in between, where this one waits its turn. On PostgreSQL the
    /// transaction takes one advisory lock that every writer takes, so changes run one at a time
    /// across all replicas just as they do on SQLite, and every read-then-write rule (the last
    /// Owner, single-use links, limits, versions) holds as it does there; reads never wait.
    async fn begin(&self) -> StoreResult<sqlx::Transaction<'static, Any>> {
        match self.backend() {
            Backend::Sqlite => Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITER_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }
    }

    /// [`Self::begin`] for a change `actor` makes, once they are still who the request was
    /// authorized as (`manage::still_acts`): a request that waited for the write lock behind
    /// the admin's suspension or demotion, or the end of its session or token, fails with
    /// [`StoreError::NoLongerActs`] rather than act with the authority it had when it arrived.
    pub(super) async fn begin_as(
        &self,
        actor: &Actor<'_>,
    ) -> StoreResult<sqlx::Transaction<'static, Any>> {
        let mut tx = self.begin().await?;
        if !manage::still_acts(&mut tx, actor).await? {
            return Err(StoreError::NoLongerActs);
        }
        Ok(tx)
    }

    /// The organization this server instance shows: the first one created.
    pub async fn primary_org_id(&self) -> StoreResult<Option<i64>> {
        let id = sqlx::query_scalar("SELECT id FROM organizations ORDER BY id LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(id)
    }

    pub async fn organization(&self, org_id: i64) -> StoreResult<Option<Organization>> {
        let row =
            sqlx::query("SELECT id, name, bulk_import_enabled FROM organizations WHERE id = $1")
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

/// Bytes of an SQLite database its connections read through a memory map: 1 GiB (SQLite caps it
/// at its compile-time limit); beyond it, a larger file is read as before.
const SQLITE_MMAP_SIZE: u64 = 1 << 30;

/// The refusal of a change whose admin was suspended, removed or given another role, or whose
/// session or token ended, while the request waited its turn.
pub const NO_LONGER_ACTS: &str = "Your role or access in this organization changed, you were signed out, or two-factor sign-in became required of you, while this request was under way, so it changed nothing. Sign in again or reload to continue.";

/// The PostgreSQL advisory lock key every writing transaction holds (an arbitrary constant
/// that no other application on the database is expected to use).
pub const WRITER_LOCK: i64 = 0x526f_7374_6572;

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
    /// Its admin or token no longer acts as the request was authorized (see
    /// [`StoreError::NoLongerActs`]): one item of a bulk action refused, the others answered.
    NoLongerActs,
}
