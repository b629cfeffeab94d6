//! The test database, and looking into it directly for what the API does not show.
//!
//! Tests run on SQLite (a file in the test's temporary folder) unless `ROSTER_TEST_POSTGRES` names
//! a PostgreSQL server as a URL without a database or options (`postgres://user:password@127.0.0.1:5433`,
//! of a role that may create databases): then every test server gets a database of its own there
//! (left for the throw-away cluster to take with it).
//! `make test` runs the suite both ways.

use std::sync::atomic::{AtomicU64, Ordering};

use roster_server::store::{Backend, WRITER_LOCK};
use sqlx::{AnyConnection, Connection};
use tempfile::TempDir;

use super::*;

/// The URL of a new, empty database for one test server.
pub async fn new_database_url(dir: &TempDir) -> String {
    let Ok(server_url) = std::env::var("ROSTER_TEST_POSTGRES") else {
        return format!("sqlite://{}", dir.path().join("roster.db").display());
    };
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "roster_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let server_url = server_url.trim_end_matches('/');
    let mut admin = sqlx::PgConnection::connect(&format!("{server_url}/postgres"))
        .await
        .expect("connect to ROSTER_TEST_POSTGRES");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await
        .expect("drop an old test database");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let _ = admin.close().await;
    format!("{server_url}/{name}")
}

/// A direct connection to a test server's database, to look at what it stored.
pub async fn database(server: &TestServer) -> AnyConnection {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(&server.database_url)
        .await
        .expect("database")
}

pub async fn scalar(db: &mut AnyConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.expect(sql)
}

/// Holds the lock every change of the server's store waits for, until `release_write_lock`.
pub async fn hold_write_lock(server: &TestServer, db: &mut AnyConnection) {
    match server.state.store.backend() {
        Backend::Sqlite => {
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut *db)
                .await
                .expect("hold the write lock");
        }
        Backend::Postgres => {
            sqlx::query("BEGIN").execute(&mut *db).await.expect("begin");
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(WRITER_LOCK)
                .execute(&mut *db)
                .await
                .expect("hold the write lock");
        }
    }
}

pub async fn release_write_lock(db: &mut AnyConnection) {
    sqlx::query("ROLLBACK")
        .execute(db)
        .await
        .expect("release the write lock");
}
