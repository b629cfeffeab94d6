//! Seeding: a bulk write (COPY on PostgreSQL, with reference checks, indexes and triggers set
//! aside while the rows go in) leaves the schema as the migrations made it and every kept count
//! as the triggers would have kept it, into an empty database or one that holds data already.

use crate::common::*;
use roster_server::dataset;
use roster_server::secrets::SecretKey;
use roster_server::store::{Backend, Store};
use tempfile::TempDir;

/// Every constraint, index and trigger (with whether it is on), one per line in name order.
async fn schema(server: &TestServer, url: &str) -> String {
    let sql = match server.state.store.backend() {
        Backend::Sqlite => {
            "SELECT group_concat(line, char(10)) FROM (SELECT type || ' ' || name || ' ' || \
             COALESCE(sql, '') AS line FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' ORDER BY name)"
        }
        Backend::Postgres => {
            "SELECT string_agg(line, E'\\n' ORDER BY line) FROM ( \
             SELECT 'constraint ' || CAST(conrelid::regclass AS TEXT) || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS line \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace \
             UNION ALL SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = 'public'::regnamespace \
             UNION ALL SELECT 'trigger ' || CAST(tgrelid::regclass AS TEXT) || ' ' || tgname || ' ' || CAST(tgenabled AS TEXT) \
             FROM pg_trigger WHERE NOT tgisinternal) schema"
        }
    };
    sqlx::any::install_default_drivers();
    let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .expect("database");
    sqlx::query_scalar::<_, String>(sql)
        .fetch_one(&mut db)
        .await
        .expect("schema")
}

#[tokio::test]
async fn seeds_leave_the_schema_as_migrated_and_the_counts_as_kept() {
    // Into an empty database (every table outgrown), then a smaller one beside it (none).
    let server = server_with(
        |ids| dataset::organization_of_size(ids, 3000, 50, NOW, Some(password_hash())),
        None,
    )
    .await;
    assert_counts_kept(&server).await;
    let store = &server.state.store;
    let demo_ids = store.next_ids().await.expect("ids");
    let demo = dataset::demo(demo_ids, NOW, password_hash());
    store.insert_dataset(&demo).await.expect("second seed");
    assert_counts_kept(&server).await;
    // A seed that fails half-way (its ids are taken) leaves nothing behind, though it outgrew
    // the tables and set their indexes and foreign keys aside.
    let again = dataset::organization_of_size(demo_ids, 8000, 0, NOW, None);
    assert!(store.insert_dataset(&again).await.is_err());
    assert_counts_kept(&server).await;

    let dir = TempDir::new().expect("temp dir");
    let migrated_url = new_database_url(&dir).await;
    Store::open(&migrated_url, SecretKey::ephemeral())
        .await
        .expect("a freshly migrated database");
    let migrated = schema(&server, &migrated_url).await;
    assert!(migrated.contains("users"), "{migrated}");
    assert_eq!(schema(&server, &server.database_url).await, migrated);
}
