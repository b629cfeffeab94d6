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

pub async fn execute(db: &mut AnyConnection, sql: &str) {
    sqlx::query(sql).execute(db).await.expect(sql);
}

pub async fn scalar(db: &mut AnyConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.expect(sql)
}

/// Puts a pending invitation of `user` to `account` (of organization 1) straight into the
/// database, under `token_hash`: one the API would no longer make, as one sent before a change.
pub async fn insert_waiting_account_invitation(
    db: &mut AnyConnection,
    server: &TestServer,
    user: i64,
    account: i64,
    token_hash: &str,
) {
    sqlx::query(
        "INSERT INTO invitations (org_id, user_id, state, sent_at, expires_at, token_hash, account_id) \
         VALUES (1, $1, 'pending', $2, $3, $4, $5)",
    )
    .bind(user)
    .bind(server.now())
    .bind(server.now() + 86_400)
    .bind(token_hash)
    .bind(account)
    .execute(db)
    .await
    .expect("a waiting invitation to an account");
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

/// [`queued_behind`] for `client` POSTing `body` to `uri`: the status and the answer.
pub async fn post_queued_behind(
    server: &TestServer,
    change: &[&str],
    client: TestServer,
    uri: &str,
    body: serde_json::Value,
) -> (axum::http::StatusCode, serde_json::Value) {
    let uri = uri.to_owned();
    queued_behind(
        server,
        change,
        async move { client.post_json(&uri, body).await },
    )
    .await
}

/// Commits what was written while holding the lock, and releases it.
pub async fn commit_write_lock(db: &mut AnyConnection) {
    sqlx::query("COMMIT")
        .execute(db)
        .await
        .expect("commit and release the write lock");
}

/// Returns once `request`, running, waits for the write lock held by `holder`'s transaction (or
/// a row it changed): on PostgreSQL as its activity view shows; SQLite shows no waiter, so it
/// gives the request a generous second (it needs a millisecond to get there). A request that was
/// answered before it waited fails the test with its answer: it was not queued behind anything.
async fn until_it_waits<T: std::fmt::Debug>(
    server: &TestServer,
    holder: &mut AnyConnection,
    request: &mut tokio::task::JoinHandle<T>,
) {
    let waits = match server.state.store.backend() {
        Backend::Sqlite => {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            true
        }
        Backend::Postgres => {
            let mut waits = false;
            for _ in 0..800 {
                if request.is_finished() {
                    break;
                }
                // The activity view is read once per transaction and kept until it ends
                // (PostgreSQL's documented behaviour): clear it so each poll sees it as it is.
                sqlx::query("SELECT pg_stat_clear_snapshot()")
                    .execute(&mut *holder)
                    .await
                    .expect("see the activity as it is now");
                waits = scalar(
                    holder,
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND wait_event_type = 'Lock'",
                )
                .await
                    > 0;
                if waits {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            waits
        }
    };
    if request.is_finished() {
        let answer = request.await.expect("the queued request");
        panic!("the request was answered before it waited for the write lock: {answer:?}");
    }
    assert!(waits, "no request came to wait for the write lock");
}

/// Runs `request` while `change` (to its caller, say) waits uncommitted behind the write lock:
/// the request is authorized as things were, then waits for the lock, then runs after the change.
pub async fn queued_behind<T: std::fmt::Debug + Send + 'static>(
    server: &TestServer,
    change: &[&str],
    request: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    let mut holder = database(server).await;
    hold_write_lock(server, &mut holder).await;
    for statement in change {
        sqlx::query(statement)
            .execute(&mut holder)
            .await
            .expect(statement);
    }
    let mut queued = tokio::spawn(request);
    until_it_waits(server, &mut holder, &mut queued).await;
    commit_write_lock(&mut holder).await;
    queued.await.expect("the queued request")
}

pub async fn release_write_lock(db: &mut AnyConnection) {
    sqlx::query("ROLLBACK")
        .execute(db)
        .await
        .expect("release the write lock");
}

/// What the triggers keep for the user lists (each organization's tab counts, who can access its
/// accounts and whether they are members, imported or not, the External and Invited tabs' sort
/// keys and the state their filters test) equals what the tables hold now, for every organization.
pub async fn assert_counts_kept(server: &TestServer) {
    let mut db = database(server).await;
    let kept_access = numbers(
        &mut db,
        "SELECT org_id, user_id, accounts, member, imported, roles FROM org_access \
         ORDER BY org_id, user_id",
    )
    .await;
    let access = numbers(
        &mut db,
        "SELECT a.org_id, g.user_id, COUNT(*), CASE WHEN u.org_id = a.org_id THEN 1 ELSE 0 END, \
         CASE WHEN u.org_id = a.org_id AND u.member_source = 'imported' THEN 1 ELSE 0 END, \
         MAX(g.roles & 1) | MAX(g.roles & 2) | MAX(g.roles & 4) | MAX(g.roles & 8) \
         FROM account_access g JOIN accounts a ON a.id = g.account_id JOIN users u ON u.id = g.user_id \
         WHERE a.org_id IS NOT NULL GROUP BY a.org_id, g.user_id, u.org_id, u.member_source \
         ORDER BY a.org_id, g.user_id",
    )
    .await;
    assert_eq!(
        kept_access, access,
        "who can access each organization's accounts, with which roles"
    );
    let kept_counts = numbers(
        &mut db,
        "SELECT org_id, managed, imported, invited, external FROM org_user_counts ORDER BY org_id",
    )
    .await;
    let counts = numbers(
        &mut db,
        "SELECT o.id, \
         (SELECT COUNT(*) FROM users u WHERE u.org_id = o.id), \
         (SELECT COUNT(*) FROM users u WHERE u.org_id = o.id AND u.member_source = 'imported'), \
         (SELECT COUNT(*) FROM invitations i WHERE i.org_id = o.id AND i.state = 'pending' AND i.account_id IS NULL), \
         (SELECT COUNT(*) FROM users u WHERE (u.org_id IS NULL OR u.org_id <> o.id) AND EXISTS (\
            SELECT 1 FROM account_access g JOIN accounts a ON a.id = g.account_id WHERE g.user_id = u.id AND a.org_id = o.id)) \
         FROM organizations o ORDER BY o.id",
    )
    .await;
    assert_eq!(kept_counts, counts, "each organization's tab counts");
    let kept_invitation_roles = numbers(
        &mut db,
        "SELECT id, account_roles FROM invitations ORDER BY id",
    )
    .await;
    let invitation_roles = numbers(
        &mut db,
        "SELECT i.id, COALESCE((SELECT MAX(g.roles & 1) | MAX(g.roles & 2) | MAX(g.roles & 4) \
         | MAX(g.roles & 8) FROM invitation_accounts g WHERE g.invitation_id = i.id), 0) \
         FROM invitations i ORDER BY i.id",
    )
    .await;
    assert_eq!(
        kept_invitation_roles, invitation_roles,
        "the roles each invitation grants on any account"
    );
    let stale_access_keys = scalar(
        &mut db,
        "SELECT COUNT(*) FROM org_access x JOIN users u ON u.id = x.user_id \
         WHERE x.sort_name <> u.sort_name OR x.email <> u.email OR x.created_at <> u.created_at",
    )
    .await;
    assert_eq!(stale_access_keys, 0, "the External tab's sort keys");
    let stale_invitee_keys = scalar(
        &mut db,
        "SELECT COUNT(*) FROM invitations i JOIN users u ON u.id = i.user_id \
         WHERE i.invitee_sort_name IS NULL OR i.invitee_email IS NULL \
         OR i.invitee_sort_name <> u.sort_name OR i.invitee_email <> u.email",
    )
    .await;
    assert_eq!(stale_invitee_keys, 0, "the Invited tab's sort keys");
    // What the filters test, beside each external user's access row and each pending invitation
    // (the rows the tabs read; NULL never equals, so a copy never made counts as stale).
    let stale_access_state = scalar(
        &mut db,
        "SELECT COUNT(*) FROM org_access x JOIN users u ON u.id = x.user_id \
         WHERE x.member = 0 AND (NOT (x.status = u.status AND x.totp_enrolled = u.totp_enrolled \
         AND x.two_factor_required = u.two_factor_required \
         AND COALESCE(x.last_sign_in_at, -1) = COALESCE(u.last_sign_in_at, -1)) \
         OR x.status IS NULL OR x.totp_enrolled IS NULL OR x.two_factor_required IS NULL)",
    )
    .await;
    assert_eq!(stale_access_state, 0, "the External tab's filtered state");
    let stale_invitee_state = scalar(
        &mut db,
        "SELECT COUNT(*) FROM invitations i JOIN users u ON u.id = i.user_id \
         WHERE i.state = 'pending' AND (NOT (i.invitee_status = u.status \
         AND i.invitee_totp_enrolled = u.totp_enrolled \
         AND i.invitee_two_factor_required = u.two_factor_required \
         AND COALESCE(i.invitee_last_sign_in_at, -1) = COALESCE(u.last_sign_in_at, -1)) \
         OR i.invitee_status IS NULL OR i.invitee_totp_enrolled IS NULL \
         OR i.invitee_two_factor_required IS NULL)",
    )
    .await;
    assert_eq!(stale_invitee_state, 0, "the Invited tab's filtered state");
    if server.state.store.backend() == Backend::Postgres {
        // What a search of the Managed tab reads of each member, of members alone, once each
        // (no unique index keeps it so: the triggers do).
        let member = "id, org_id, joined_at, sort_name, email, search_text";
        let stale_member_search = scalar(
            &mut db,
            &format!(
                "SELECT COUNT(*) FROM ((SELECT {member} FROM member_search \
                 EXCEPT ALL SELECT {member} FROM users WHERE org_id IS NOT NULL) \
                 UNION ALL (SELECT {member} FROM users WHERE org_id IS NOT NULL \
                 EXCEPT ALL SELECT {member} FROM member_search)) stale"
            ),
        )
        .await;
        assert_eq!(stale_member_search, 0, "the members' search rows");
    }
}

/// Every row of a query whose columns are all numbers.
async fn numbers(db: &mut AnyConnection, sql: &str) -> Vec<Vec<i64>> {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_all(db)
        .await
        .expect(sql)
        .iter()
        .map(|row| {
            (0..row.len())
                .map(|i| row.try_get::<i64, _>(i).expect("a number"))
                .collect()
        })
        .collect()
}
