//! The test server: the full router over a real database (a SQLite file in a temporary folder, or
//! a PostgreSQL database of its own), with a clock the test moves, and other clients of the same
//! server.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use roster_server::app;
use roster_server::auth::PasswordHashing;
use roster_server::clock::Clock;
use roster_server::dataset;
use roster_server::secrets::SecretKey;
use roster_server::state::{AppState, Settings};
use roster_server::store::{self, Store};
use tempfile::TempDir;

use super::*;

pub const NOW: i64 = 1_800_000_000;

pub struct TestServer {
    pub router: Router,
    pub state: AppState,
    /// The session cookie requests carry, once signed in.
    pub cookie: Option<String>,
    pub now: Arc<AtomicI64>,
    /// The secret key the database's secrets are encrypted with.
    pub key: SecretKey,
    /// Where the server's store keeps its data (see `new_database_url`).
    pub database_url: String,
    pub _dir: Arc<TempDir>,
}

/// The demo organization, signed in as its Owner.
pub async fn demo_server() -> TestServer {
    let mut server = anonymous_demo_server().await;
    server.sign_in_as(OWNER).await;
    server
}

pub async fn anonymous_demo_server() -> TestServer {
    server_with(|ids| dataset::demo(ids, NOW, password_hash()), None).await
}

pub async fn server_with(
    make: impl FnOnce(store::IdBase) -> store::Dataset,
    static_dir: Option<&std::path::Path>,
) -> TestServer {
    // Longer than a server's 5 s: on a loaded machine a request queued behind a test's held
    // lock, or behind a hundred racing requests, is not to be answered 503 (which has its own
    // test, with a short wait).
    server_with_busy_timeout(make, static_dir, Duration::from_secs(20)).await
}

/// A server whose database gives up on a held write lock after `busy_timeout`.
pub async fn server_with_busy_timeout(
    make: impl FnOnce(store::IdBase) -> store::Dataset,
    static_dir: Option<&std::path::Path>,
    busy_timeout: Duration,
) -> TestServer {
    let dir = TempDir::new().expect("temp dir");
    let url = new_database_url(&dir).await;
    let key = SecretKey::ephemeral();
    let store = Store::open_with_busy_timeout(&url, key.clone(), busy_timeout)
        .await
        .expect("open store");
    let data = make(store.next_ids().await.expect("ids"));
    store.insert_dataset(&data).await.expect("insert demo");
    let now = Arc::new(AtomicI64::new(NOW));
    let clock_now = now.clone();
    let clock = Clock::from_fn(move || clock_now.load(Ordering::SeqCst));
    let state = AppState::new(store, clock, dir.path().join("mail")).expect("state");
    let router = app::router(state.clone(), static_dir);
    TestServer {
        router,
        state,
        cookie: None,
        now,
        key,
        database_url: url,
        _dir: Arc::new(dir),
    }
}

impl TestServer {
    /// Another client of the same server (another browser or device): not signed in.
    pub fn another_client(&self) -> TestServer {
        TestServer {
            router: self.router.clone(),
            state: self.state.clone(),
            cookie: None,
            now: self.now.clone(),
            key: self.key.clone(),
            database_url: self.database_url.clone(),
            _dir: self._dir.clone(),
        }
    }

    /// Another replica of this server, as a second server process would be: a store (and
    /// connections) of its own on the same database, its own router; the same clock. Not signed in.
    pub async fn other_replica(&self) -> TestServer {
        let store = Store::open(&self.database_url, self.key.clone())
            .await
            .expect("open the database again");
        let clock_now = self.now.clone();
        let clock = Clock::from_fn(move || clock_now.load(Ordering::SeqCst));
        let state = AppState::new(store, clock, self._dir.path().join("mail")).expect("state");
        TestServer {
            router: app::router(state.clone(), None),
            state,
            cookie: None,
            now: self.now.clone(),
            key: self.key.clone(),
            database_url: self.database_url.clone(),
            _dir: self._dir.clone(),
        }
    }

    /// The same server with changed settings.
    pub fn with_settings(mut self, change: impl FnOnce(&mut Settings)) -> TestServer {
        let mut settings = (*self.state.settings).clone();
        change(&mut settings);
        self.state.settings = Arc::new(settings);
        self.router = app::router(self.state.clone(), None);
        self
    }

    /// The same server with password hashing bounded to `hashing`.
    pub fn with_hashing(mut self, hashing: PasswordHashing) -> TestServer {
        self.state.hashing = hashing;
        self.router = app::router(self.state.clone(), None);
        self
    }

    /// Points domain verification at this nameserver (a loopback DNS fixture).
    pub fn with_nameserver(mut self, addr: std::net::SocketAddr) -> TestServer {
        self.state.dns = roster_server::dns::DnsVerifier::nameserver(addr);
        self.router = app::router(self.state.clone(), None);
        self
    }

    pub fn advance(&self, seconds: i64) {
        self.now.fetch_add(seconds, Ordering::SeqCst);
    }

    /// The current time of the server's clock.
    pub fn now(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    /// The same client, with the same session cookie.
    pub fn clone_signed_in(&self) -> TestServer {
        let mut client = self.another_client();
        client.cookie = self.cookie.clone();
        client
    }
}
