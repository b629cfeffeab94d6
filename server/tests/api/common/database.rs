//! Looking into a test server's database directly, for what the API does not show.

use sqlx::Connection;

use super::*;

/// A direct connection to a test server's database, to look at what it stored.
pub async fn database(server: &TestServer) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        server._dir.path().join("roster.db").display()
    ))
    .await
    .expect("database")
}

pub async fn scalar(db: &mut sqlx::SqliteConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.expect(sql)
}
