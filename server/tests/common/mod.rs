//! The test server every API test file uses: the full router over a real SQLite file, a clock
//! the test moves, and a session cookie once signed in.
// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use roster_model::{ErrorBody, Page, UserDetail, UserSummary};
use roster_server::app;
use roster_server::auth::PasswordHashing;
use roster_server::dataset;
use roster_server::secrets::SecretKey;
use roster_server::state::{AppState, Clock, Settings};
use roster_server::store::Store;
use roster_server::two_factor;
use serde::de::DeserializeOwned;
use tempfile::TempDir;

pub const NOW: i64 = 1_800_000_000;

pub struct TestServer {
    pub router: Router,
    pub state: AppState,
    /// The session cookie requests carry, once signed in.
    pub cookie: Option<String>,
    pub now: Arc<AtomicI64>,
    /// The secret key the database's secrets are encrypted with.
    pub key: SecretKey,
    pub _dir: Arc<TempDir>,
}

pub const PASSWORD: &str = "correct horse battery";
pub const OWNER: &str = dataset::DEMO_OWNER_EMAIL;
pub const MEMBER: &str = dataset::DEMO_MEMBER_EMAIL;

pub fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| roster_server::auth::hash_password(PASSWORD).expect("hash"))
}

/// The demo organization, signed in as its Owner.
pub async fn demo_server() -> TestServer {
    let mut server = anonymous_demo_server().await;
    server.sign_in_as(OWNER).await;
    server
}

/// The id of the demo user with this email (0 when there is none).
pub fn id_of(email: &str) -> i64 {
    demo_as_inserted()
        .users
        .iter()
        .find(|u| u.email == email)
        .map(|u| u.id)
        .unwrap_or_default()
}

/// The keys that confirm every one of `consequences`.
pub fn acknowledged(consequences: &[roster_model::Consequence]) -> Vec<&'static str> {
    consequences.iter().map(|c| c.key).collect()
}

/// The demo dataset exactly as a fresh database receives it (ids from 1), to look people up by kind.
pub fn demo_as_inserted() -> dataset::Dataset {
    let first = dataset::IdBase {
        org: 1,
        user: 1,
        account: 1,
        domain: 1,
        invitation: 1,
    };
    dataset::demo(first, NOW, "unused")
}

pub async fn anonymous_demo_server() -> TestServer {
    server_with(|ids| dataset::demo(ids, NOW, password_hash()), None).await
}

pub async fn server_with(
    make: impl FnOnce(dataset::IdBase) -> dataset::Dataset,
    static_dir: Option<&std::path::Path>,
) -> TestServer {
    server_with_busy_timeout(make, static_dir, Duration::from_secs(5)).await
}

/// A server whose database gives up on a held write lock after `busy_timeout`.
pub async fn server_with_busy_timeout(
    make: impl FnOnce(dataset::IdBase) -> dataset::Dataset,
    static_dir: Option<&std::path::Path>,
    busy_timeout: Duration,
) -> TestServer {
    let dir = TempDir::new().expect("temp dir");
    let url = database_url(&dir);
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
        _dir: Arc::new(dir),
    }
}

/// The SQLite URL of a test server's database in `dir`.
pub fn database_url(dir: &TempDir) -> String {
    format!("sqlite://{}", dir.path().join("roster.db").display())
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

    pub async fn send(&self, mut request: Request<Body>) -> axum::response::Response {
        if let Some(cookie) = &self.cookie {
            request
                .headers_mut()
                .insert("cookie", cookie.parse().expect("cookie header"));
        }
        self.router.clone().oneshot_request(request).await
    }

    /// POST /session with the anti-forgery header; returns status, Set-Cookie and body.
    pub async fn post_sign_in(
        &self,
        email: &str,
        password: &str,
    ) -> (StatusCode, Option<String>, serde_json::Value) {
        self.post_sign_in_with_code(email, password, None).await
    }

    /// POST /session with a second-factor code too.
    pub async fn post_sign_in_with_code(
        &self,
        email: &str,
        password: &str,
        code: Option<&str>,
    ) -> (StatusCode, Option<String>, serde_json::Value) {
        let request = Request::post("/api/v1/session")
            .header("content-type", "application/json")
            .header(roster_model::CSRF_HEADER, "1")
            .body(Body::from(
                serde_json::json!({"email": email, "password": password, "code": code}).to_string(),
            ))
            .expect("request");
        let response = self.send(request).await;
        let status = response.status();
        let set_cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (
            status,
            set_cookie,
            serde_json::from_slice(&body).unwrap_or_default(),
        )
    }

    /// The current time of the server's clock.
    pub fn now(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    /// Signs in with the demo password, and for a user enrolled in two-factor with the current code
    /// of their demo secret (each code works once: sign the same user in again a step later).
    pub async fn sign_in_as(&mut self, email: &str) {
        let (mut status, mut set_cookie, mut body) = self.post_sign_in(email, PASSWORD).await;
        if body["error"]["code"] == "two_factor_code_required" {
            let secret = two_factor::demo_secret(email);
            let code = two_factor::code_at(&secret, email, self.now());
            (status, set_cookie, body) = self
                .post_sign_in_with_code(email, PASSWORD, code.as_deref())
                .await;
        }
        assert_eq!(status, StatusCode::OK, "{body}");
        let set_cookie = set_cookie.expect("a session cookie");
        self.cookie = Some(set_cookie.split(';').next().unwrap_or_default().to_owned());
    }

    pub async fn get_raw(&self, uri: &str) -> (StatusCode, String, Vec<u8>) {
        let response = self
            .send(Request::get(uri).body(Body::empty()).expect("request"))
            .await;
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        (status, content_type, body)
    }

    pub async fn get<T: DeserializeOwned>(&self, uri: &str) -> T {
        let (status, _, body) = self.get_raw(uri).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "GET {uri}: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("GET {uri}: {e}: {}", String::from_utf8_lossy(&body)))
    }

    pub async fn get_error(&self, uri: &str) -> (StatusCode, ErrorBody) {
        let (status, content_type, body) = self.get_raw(uri).await;
        assert!(
            content_type.starts_with("application/json"),
            "GET {uri} answered {content_type}"
        );
        let error = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("GET {uri}: {e}: {}", String::from_utf8_lossy(&body)));
        (status, error)
    }

    pub async fn users(&self, query: &str) -> Page<UserSummary> {
        self.get(&format!("/api/v1/users?{query}")).await
    }

    /// Every page of a listing, following next_cursor; returns the pages.
    pub async fn walk_forward(&self, query: &str) -> Vec<Page<UserSummary>> {
        let mut pages = vec![self.users(query).await];
        while let Some(cursor) = pages.last().and_then(|p| p.next_cursor.clone()) {
            assert!(pages.len() < 100, "paging does not end");
            pages.push(self.users(&format!("{query}&cursor={cursor}")).await);
        }
        pages
    }
}

pub trait Oneshot {
    async fn oneshot_request(self, request: Request<Body>) -> axum::response::Response;
}

impl Oneshot for Router {
    async fn oneshot_request(self, request: Request<Body>) -> axum::response::Response {
        use tower::ServiceExt;
        match self.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}

impl TestServer {
    /// A user's page and its ETag.
    pub async fn detail(&self, id: i64) -> (UserDetail, String) {
        let (status, headers, body) = self
            .send_json("GET", &format!("/api/v1/users/{id}"), &[], None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let tag = headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (serde_json::from_value(body).expect("detail"), tag)
    }

    /// POSTs or PUTs `body` to a user action at the user's current version.
    pub async fn act(
        &self,
        method: &str,
        id: i64,
        action: &str,
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let (_, tag) = self.detail(id).await;
        let uri = format!("/api/v1/users/{id}/{action}");
        let (status, _, body) = self
            .send_json(method, &uri, &[("if-match", tag.as_str())], Some(body))
            .await;
        (status, body)
    }

    /// The body that removes or deletes `email` (confirming `consequences`), giving every account
    /// they own to the demo Owner.
    pub async fn leave_request(
        &self,
        email: &str,
        consequences: &[roster_model::Consequence],
    ) -> serde_json::Value {
        let (detail, _) = self.detail(id_of(email)).await;
        let new_owners: Vec<serde_json::Value> = detail
            .accounts
            .iter()
            .filter(|a| a.owner)
            .map(|a| serde_json::json!({"account_id": a.account.id, "new_owner_id": id_of(OWNER)}))
            .collect();
        serde_json::json!({"acknowledged": acknowledged(consequences), "new_owners": new_owners})
    }

    pub async fn post_json(
        &self,
        uri: &str,
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let (status, _, body) = self.send_json("POST", uri, &[], Some(body)).await;
        (status, body)
    }

    /// Sends a request with the anti-forgery header, `headers`, and `body` as JSON; answers the
    /// status, the response headers and the body as JSON (null when it is none).
    pub async fn send_json(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<serde_json::Value>,
    ) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(roster_model::CSRF_HEADER, "1");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let response = self.send(request.body(body).expect("request")).await;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (
            status,
            headers,
            serde_json::from_slice(&bytes).unwrap_or_default(),
        )
    }
}

/// Delivers the outbox to the mail folder; answers the invitation links of the messages to `to`,
/// oldest first.
pub async fn delivered_links(server: &TestServer, to: &str) -> Vec<String> {
    delivered_links_to(server, to, "/accept/").await
}

/// Delivers the outbox to the mail folder; answers the tokens of the links under `path` (such as
/// "/accept/" or "/password/") in the messages to `to`, oldest first.
pub async fn delivered_links_to(server: &TestServer, to: &str, path: &str) -> Vec<String> {
    roster_server::mail::deliver_due(&server.state.store, &server.state.mailer, server.now()).await;
    let dir = server._dir.path().join("mail");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|text| text.replace("=\r\n", ""))
        .filter(|text| text.contains(&format!("To: {to}")))
        .filter_map(|text| link_in(&text, path))
        .collect()
}

pub fn link_in(text: &str, path: &str) -> Option<String> {
    let start = text.find(path)? + path.len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    Some(token)
}
