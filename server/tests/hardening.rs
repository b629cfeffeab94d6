//! What an attacker's pass found, each with the test that failed before its fix: racing guesses
//! past the throttle, leaks across organizations, credentials that outlived what should end them,
//! unbounded input, secrets at rest, a busy database, and the headers every answer carries.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::*;
use roster_model::{
    AuditEntry, Page, TwoFactorEnrolled, TwoFactorSetup, DELETE_CONSEQUENCES, REMOVE_CONSEQUENCES,
};
use roster_server::auth::{
    self, PasswordHashing, FREE_FAILURES_PER_ACCOUNT, FREE_FAILURES_PER_ADDRESS,
};
use roster_server::secrets::SecretKey;
use roster_server::store::Store;
use roster_server::{app, dataset, two_factor};
use sqlx::Connection;

/// Runs `attempt` `n` times at once and answers the statuses, in no particular order.
async fn in_parallel<F, Fut>(n: usize, attempt: F) -> Vec<StatusCode>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = StatusCode> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(attempt(i))).collect();
    let mut statuses = Vec::with_capacity(n);
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    statuses
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Parallel attempts got exactly the tries sequential ones would: the free failures (answered
/// `failed`), and a pause for all the rest.
fn assert_throttled(statuses: &[StatusCode], failed: StatusCode) {
    let free = FREE_FAILURES_PER_ACCOUNT as usize;
    assert_eq!(count(statuses, failed), free, "{statuses:?}");
    assert_eq!(
        count(statuses, StatusCode::TOO_MANY_REQUESTS),
        statuses.len() - free,
        "{statuses:?}"
    );
}

/// A direct connection to a test server's database, to look at what it stored.
async fn database(server: &TestServer) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        server._dir.path().join("roster.db").display()
    ))
    .await
    .expect("database")
}

async fn scalar(db: &mut sqlx::SqliteConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.expect(sql)
}

/// A code the demo secret of `email` does not accept now.
fn wrong_code(email: &str, now: i64) -> String {
    let secret = two_factor::demo_secret(email);
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|code| two_factor::matching_step(&secret, email, code, now, None).is_none())
        .expect("a wrong code")
}

// Finding 1: the failure count was read before the attempt and written after the hash.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_parallel_guesses_get_no_more_tries_than_one_at_a_time() {
    let server = anonymous_demo_server().await;
    let statuses = in_parallel(100, |_| {
        let client = server.another_client();
        async move { client.post_sign_in(OWNER, "a wrong guess").await.0 }
    })
    .await;
    assert_throttled(&statuses, StatusCode::UNAUTHORIZED);
    let log: Page<AuditEntry> = {
        let mut owner = server.another_client();
        owner.advance(auth::LONGEST_PAUSE_SECONDS);
        owner.sign_in_as(OWNER).await;
        owner
            .get("/api/v1/audit?action=session.sign_in_failed&limit=200")
            .await
    };
    assert_eq!(
        log.total, FREE_FAILURES_PER_ACCOUNT as u64,
        "every attempt that ran is recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_codes_are_throttled_like_passwords() {
    let server = anonymous_demo_server().await;
    let person = dataset::DEMO_TWO_FACTOR_EMAIL;
    let wrong = wrong_code(person, server.now());
    let statuses = in_parallel(40, |_| {
        let client = server.another_client();
        let wrong = wrong.clone();
        async move {
            client
                .post_sign_in_with_code(person, PASSWORD, Some(&wrong))
                .await
                .0
        }
    })
    .await;
    assert_throttled(&statuses, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_current_passwords_are_throttled() {
    let mut server = anonymous_demo_server().await;
    server.sign_in_as(dataset::DEMO_ADMIN_EMAIL).await;
    let statuses = in_parallel(25, |i| {
        let server = server.clone_signed_in();
        async move {
            server
                .post_json(
                    "/api/v1/session/password",
                    serde_json::json!({"current_password": format!("guess {i}"), "new_password": "a brand new passphrase"}),
                )
                .await
                .0
        }
    })
    .await;
    assert_throttled(&statuses, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_on_an_invitation_are_throttled() {
    let owner = demo_server().await;
    // An existing user outside every organization, on Northwind's verified domain.
    let demo = demo_as_inserted();
    let invited: std::collections::HashSet<i64> =
        demo.invitations.iter().map(|i| i.user_id).collect();
    let person = demo
        .users
        .iter()
        .find(|u| {
            u.membership.is_none()
                && u.password_hash.is_some()
                && u.email.ends_with("@northwind.example")
                && !invited.contains(&u.id)
        })
        .map(|u| u.email.clone())
        .expect("an existing user to invite");
    let (status, body) = owner
        .post_json(
            "/api/v1/invitations",
            serde_json::json!({"emails": [person]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = delivered_links(&owner, &person).await.remove(0);
    let statuses = in_parallel(25, |i| {
        let client = owner.another_client();
        let token = token.clone();
        async move {
            client
                .post_json(
                    "/api/v1/invitations/accept",
                    serde_json::json!({"token": token, "password": format!("guess {i}")}),
                )
                .await
                .0
        }
    })
    .await;
    assert_throttled(&statuses, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn password_hashing_is_bounded_and_the_overflow_told_to_retry() {
    // One hashing thread, kept busy by a deliberately slow hash, so the queue behind it fills.
    let hashing = PasswordHashing::new(1);
    let server = anonymous_demo_server().await.with_hashing(hashing.clone());
    let slow = {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let params = argon2::Params::new(19 * 1024, 60, 1, None).expect("params");
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        argon
            .hash_password(
                b"slow",
                &SaltString::from_b64("c2FsdHNhbHRzYWx0").expect("salt"),
            )
            .expect("hash")
            .to_string()
    };
    let holder = tokio::spawn({
        let hashing = hashing.clone();
        async move { hashing.verify("slow".to_owned(), Some(slow)).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Different accounts, so the per-account pause plays no part.
    let statuses = in_parallel(FREE_FAILURES_PER_ADDRESS as usize, |i| {
        let client = server.another_client();
        async move {
            client
                .post_sign_in(&format!("nobody{i}@northwind.example"), "guess")
                .await
                .0
        }
    })
    .await;
    assert_eq!(holder.await.expect("holder"), Ok(true));
    let busy = count(&statuses, StatusCode::SERVICE_UNAVAILABLE);
    assert!(busy > 0, "{statuses:?}");
    assert_eq!(
        busy + count(&statuses, StatusCode::UNAUTHORIZED),
        statuses.len(),
        "{statuses:?}"
    );
    // A refusal for want of a thread is no failure: nothing was tried, nothing is counted.
    let mut db = database(&server).await;
    let failures = scalar(&mut db, "SELECT COUNT(*) FROM sign_in_failures").await;
    assert_eq!(failures as usize, statuses.len() - busy);
    let (status, headers, _) = server
        .send_json(
            "POST",
            "/api/v1/session",
            &[],
            Some(serde_json::json!({"email": "x@northwind.example", "password": "p"})),
        )
        .await;
    assert_ne!(status, StatusCode::SERVICE_UNAVAILABLE, "the queue drains");
    assert!(headers.get("retry-after").is_none() || status == StatusCode::TOO_MANY_REQUESTS);
}

// Finding 4: API tokens outlived what should end them, and could mint more tokens.

impl TestServer {
    /// The same client, with the same session cookie.
    fn clone_signed_in(&self) -> TestServer {
        let mut client = self.another_client();
        client.cookie = self.cookie.clone();
        client
    }

    /// Creates a token as this (signed-in) Owner; answers its secret.
    async fn new_token(&self, body: serde_json::Value) -> String {
        let (status, created) = self.post_json("/api/v1/tokens", body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["secret"].as_str().expect("secret").to_owned()
    }

    async fn status_with_token(&self, secret: &str) -> StatusCode {
        let request = Request::get("/api/v1/users")
            .header("authorization", format!("Bearer {secret}"))
            .body(Body::empty())
            .expect("request");
        self.router.clone().oneshot_request(request).await.status()
    }

    /// Makes `email` an Owner (as the signed-in Owner).
    async fn promote(&self, email: &str) {
        let (status, _, body) = self
            .send_json(
                "PATCH",
                &format!("/api/v1/users/{}", id_of(email)),
                &[("if-match", &self.detail(id_of(email)).await.1)],
                Some(serde_json::json!({"org_role": "owner"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

#[tokio::test]
async fn tokens_expire_are_made_in_the_console_only_and_list_their_expiry() {
    let owner = demo_server().await;
    let day = 24 * 60 * 60;
    let default = owner
        .new_token(serde_json::json!({"name": "ninety days"}))
        .await;
    let week = owner
        .new_token(serde_json::json!({"name": "a week", "expires_in_days": 7}))
        .await;
    let listed: Vec<roster_model::ApiToken> = owner.get("/api/v1/tokens").await;
    let expiry = |name: &str| listed.iter().find(|t| t.name == name).map(|t| t.expires_at);
    assert_eq!(expiry("ninety days"), Some(owner.now() + 90 * day));
    assert_eq!(expiry("a week"), Some(owner.now() + 7 * day));
    for days in [0, 366] {
        let (status, body) = owner
            .post_json(
                "/api/v1/tokens",
                serde_json::json!({"name": "x", "expires_in_days": days}),
            )
            .await;
        assert_eq!(
            (status, &body["error"]["field"]),
            (
                StatusCode::BAD_REQUEST,
                &serde_json::json!("expires_in_days")
            )
        );
    }

    // A token cannot create tokens.
    let request = Request::post("/api/v1/tokens")
        .header("authorization", format!("Bearer {default}"))
        .header("content-type", "application/json")
        .header(roster_model::CSRF_HEADER, "1")
        .body(Body::from(r#"{"name": "minted"}"#))
        .expect("request");
    let response = owner.router.clone().oneshot_request(request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    owner.advance(7 * day);
    assert_eq!(
        owner.status_with_token(&week).await,
        StatusCode::UNAUTHORIZED,
        "expired"
    );
    assert_eq!(owner.status_with_token(&default).await, StatusCode::OK);
    owner.advance(83 * day);
    assert_eq!(
        owner.status_with_token(&default).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_password_reset_or_change_ends_the_persons_tokens() {
    let owner = demo_server().await;
    owner.promote(dataset::DEMO_ADMIN_EMAIL).await;
    let mut priya = owner.another_client();
    priya.sign_in_as(dataset::DEMO_ADMIN_EMAIL).await;
    let hers = priya.new_token(serde_json::json!({"name": "priya"})).await;
    let mine = owner.new_token(serde_json::json!({"name": "maya"})).await;
    assert_eq!(owner.status_with_token(&hers).await, StatusCode::OK);

    let (status, body) = owner
        .act(
            "POST",
            id_of(dataset::DEMO_ADMIN_EMAIL),
            "reset-password",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        owner.status_with_token(&hers).await,
        StatusCode::UNAUTHORIZED,
        "reset"
    );

    let (status, body) = owner
        .post_json(
            "/api/v1/session/password",
            serde_json::json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        owner.status_with_token(&mine).await,
        StatusCode::UNAUTHORIZED,
        "password change"
    );
}

#[tokio::test]
async fn a_demoted_owner_s_tokens_stay_dead_when_promoted_again() {
    let owner = demo_server().await;
    owner.promote(MEMBER).await;
    let mut sam = owner.another_client();
    sam.sign_in_as(MEMBER).await;
    let token = sam.new_token(serde_json::json!({"name": "sam"})).await;
    let set_role = |role: &'static str| {
        let owner = &owner;
        async move {
            let (_, tag) = owner.detail(id_of(MEMBER)).await;
            let (status, _, body) = owner
                .send_json(
                    "PATCH",
                    &format!("/api/v1/users/{}", id_of(MEMBER)),
                    &[("if-match", &tag)],
                    Some(serde_json::json!({"org_role": role})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    set_role("member").await;
    assert_eq!(
        owner.status_with_token(&token).await,
        StatusCode::UNAUTHORIZED
    );
    set_role("owner").await;
    assert_eq!(
        owner.status_with_token(&token).await,
        StatusCode::UNAUTHORIZED,
        "no resurrection"
    );
}

#[tokio::test]
async fn removal_and_deletion_end_the_persons_tokens() {
    for (action, consequences) in [
        ("remove", &REMOVE_CONSEQUENCES),
        ("delete", &DELETE_CONSEQUENCES),
    ] {
        let owner = demo_server().await;
        owner.promote(MEMBER).await;
        let mut sam = owner.another_client();
        sam.sign_in_as(MEMBER).await;
        let token = sam.new_token(serde_json::json!({"name": "sam"})).await;
        let request = owner.leave_request(MEMBER, consequences).await;
        let (status, body) = owner.act("POST", id_of(MEMBER), action, request).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{action}: {body}");
        assert_eq!(
            owner.status_with_token(&token).await,
            StatusCode::UNAUTHORIZED,
            "{action}"
        );
    }
}

// Finding 5: Administrators could reset an Owner's password and change their two-factor rule.

#[tokio::test]
async fn administrators_change_no_owner_in_any_way() {
    let owner = demo_server().await;
    let mut admin = owner.another_client();
    admin.sign_in_as(dataset::DEMO_ADMIN_EMAIL).await;
    let maya = id_of(OWNER);
    let only_owners = "Only an Owner can change an Owner.";
    let remove = serde_json::json!({"acknowledged": acknowledged(&REMOVE_CONSEQUENCES)});
    let delete = serde_json::json!({"acknowledged": acknowledged(&DELETE_CONSEQUENCES)});
    for (method, action, body) in [
        ("POST", "reset-password", serde_json::json!({})),
        ("PUT", "two-factor", serde_json::json!({"required": true})),
        ("PUT", "access", serde_json::json!({"accounts": []})),
        ("POST", "remove", remove),
        ("POST", "delete", delete),
    ] {
        let (status, answer) = admin.act(method, maya, action, body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{action}: {answer}");
        assert_eq!(answer["error"]["message"], only_owners, "{action}");
    }
    let (_, tag) = admin.detail(maya).await;
    let (status, _, answer) = admin
        .send_json(
            "PATCH",
            &format!("/api/v1/users/{maya}"),
            &[("if-match", &tag)],
            Some(serde_json::json!({"given_name": "Mallory"})),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["message"].as_str()),
        (StatusCode::CONFLICT, Some(only_owners))
    );
    for action in ["reset_password", "require_two_factor"] {
        let (status, answer) = admin
            .post_json(
                "/api/v1/users/bulk",
                serde_json::json!({"action": action, "ids": [maya]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["results"][0]["ok"], false, "{action}");
        assert_eq!(answer["results"][0]["message"], only_owners, "{action}");
    }
    // Her access to an account, from the account's page, is hers to keep too.
    let (detail, _) = owner.detail(maya).await;
    let account = detail
        .accounts
        .first()
        .expect("an account of Maya's")
        .account
        .id;
    let path = format!("/api/v1/accounts/{account}/users/{maya}");
    let (status, _, answer) = admin
        .send_json(
            "PUT",
            &path,
            &[],
            Some(serde_json::json!({"roles": ["support"]})),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["message"].as_str()),
        (StatusCode::CONFLICT, Some(only_owners))
    );
    let (status, _, _) = admin.send_json("DELETE", &path, &[], None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Nothing changed, and she can still sign in with her password.
    let (after, _) = owner.detail(maya).await;
    assert_eq!(after.given_name, "Maya");
    assert!(!after.two_factor.required);
    let (status, _, _) = owner.another_client().post_sign_in(OWNER, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    // An Owner may act on another Owner.
    owner.promote(MEMBER).await;
    let (status, body) = owner
        .act(
            "POST",
            id_of(MEMBER),
            "reset-password",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn nobody_resets_themselves_in_bulk_and_stays_signed_in() {
    let owner = demo_server().await;
    let (status, answer) = owner
        .post_json(
            "/api/v1/users/bulk",
            serde_json::json!({"action": "reset_password", "ids": [id_of(OWNER), id_of(MEMBER)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["ok"], false);
    assert!(answer["results"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("your own password"));
    assert_eq!(answer["results"][1]["ok"], true);
    let _: roster_model::Me = owner.get("/api/v1/session").await;
}

// Finding 6: a hard lock, and client addresses taken from headers anyone can write.

/// Signs in as `email` from a connection of `peer` that says it forwards for `forwarded_for`.
async fn sign_in_via(
    server: &TestServer,
    peer: &str,
    forwarded_for: &str,
    email: &str,
) -> StatusCode {
    let mut request = Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .header(roster_model::CSRF_HEADER, "1")
        .header("x-forwarded-for", forwarded_for)
        .body(Body::from(
            serde_json::json!({"email": email, "password": "guess"}).to_string(),
        ))
        .expect("request");
    let peer: SocketAddr = peer.parse().expect("peer");
    request.extensions_mut().insert(ConnectInfo(peer));
    server
        .router
        .clone()
        .oneshot_request(request)
        .await
        .status()
}

#[tokio::test]
async fn the_address_throttle_counts_the_real_client() {
    let direct = anonymous_demo_server().await;
    // Without a trusted proxy, a client cannot dodge the throttle by writing X-Forwarded-For.
    let mut statuses = Vec::new();
    for i in 0..=FREE_FAILURES_PER_ADDRESS {
        let spoofed = format!("203.0.113.{i}");
        statuses.push(
            sign_in_via(
                &direct,
                "198.51.100.7:5000",
                &spoofed,
                &format!("nobody{i}@northwind.example"),
            )
            .await,
        );
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );

    // Behind a trusted proxy, clients it forwards for are counted apart.
    let proxied = anonymous_demo_server()
        .await
        .with_settings(|s| s.trusted_proxies = vec!["10.0.0.0/8".parse().expect("range")]);
    for i in 0..FREE_FAILURES_PER_ADDRESS {
        let status = sign_in_via(
            &proxied,
            "10.0.0.2:5000",
            "203.0.113.1",
            &format!("nobody{i}@northwind.example"),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        sign_in_via(
            &proxied,
            "10.0.0.2:5000",
            "203.0.113.1",
            "one-more@northwind.example"
        )
        .await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_via(
            &proxied,
            "10.0.0.2:5000",
            "203.0.113.2",
            "one-more@northwind.example"
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "another client behind the same proxy is not held back"
    );
}

// Finding 7: oversized input stored in full, and nothing ever pruned.

#[tokio::test]
async fn an_oversized_email_is_refused_before_any_work_or_storage() {
    let server = anonymous_demo_server().await;
    let huge = format!("{}@northwind.example", "a".repeat(1_900_000));
    let (status, _, body) = server.post_sign_in(&huge, "guess").await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (StatusCode::BAD_REQUEST, &serde_json::json!("email"))
    );
    let just_over = format!(
        "{}@northwind.example",
        "a".repeat(255 - "@northwind.example".len())
    );
    assert_eq!(
        server.post_sign_in(&just_over, "guess").await.0,
        StatusCode::BAD_REQUEST
    );
    let mut db = database(&server).await;
    assert_eq!(
        scalar(&mut db, "SELECT COUNT(*) FROM sign_in_failures").await,
        0
    );
    assert_eq!(
        scalar(&mut db, "SELECT COUNT(*) FROM audit_events").await,
        0
    );
    assert!(scalar(&mut db, "SELECT MAX(LENGTH(email)) FROM users").await < 255);
}

#[tokio::test]
async fn expired_rows_are_pruned() {
    let mut server = demo_server().await;
    server
        .another_client()
        .post_sign_in("nobody@northwind.example", "guess")
        .await;
    let (status, _, body) = server
        .send_json(
            "POST",
            "/api/v1/invitations",
            &[("idempotency-key", "k1")],
            Some(serde_json::json!({"emails": ["new.person@northwind.example"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = server
        .act(
            "POST",
            id_of(MEMBER),
            "reset-password",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    roster_server::mail::deliver_due(&server.state.store, &server.state.mailer, server.now()).await;

    // Within its day the key replays; a day later it is free for a new request.
    server.advance(roster_server::store::IDEMPOTENCY_KEY_SECONDS + 1);
    server.sign_in_as(OWNER).await;
    let (status, headers, body) = server
        .send_json(
            "POST",
            "/api/v1/invitations",
            &[("idempotency-key", "k1")],
            Some(serde_json::json!({"emails": ["other.person@northwind.example"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "a stale key is no conflict: {body}");
    assert!(!headers.contains_key("idempotent-replayed"));

    server.advance(8 * 24 * 60 * 60);
    let pruned = server.state.store.prune(server.now()).await.expect("prune");
    assert!(pruned.failures >= 1, "{pruned:?}");
    assert!(pruned.sessions >= 1, "{pruned:?}");
    assert!(pruned.idempotency_keys >= 1, "{pruned:?}");
    assert!(pruned.password_resets >= 1, "{pruned:?}");
    assert!(pruned.mail >= 1, "{pruned:?}");
    let mut db = database(&server).await;
    for table in [
        "sign_in_failures",
        "sessions",
        "idempotency_keys",
        "password_resets",
    ] {
        assert_eq!(
            scalar(&mut db, &format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        scalar(
            &mut db,
            "SELECT COUNT(*) FROM outbound_mail WHERE sent_at IS NOT NULL"
        )
        .await,
        0
    );
}

// Finding 8: names reached mail subjects and the audit log with CR/LF, NUL and bidi overrides.

#[tokio::test]
async fn control_and_bidi_characters_are_refused_in_names() {
    let owner = demo_server().await;
    let sam = id_of(MEMBER);
    for (field, value) in [
        ("given_name", "Sam\r\nBcc: everyone@example.com"),
        ("given_name", "Sam\u{0}"),
        ("family_name", "\u{202E}rolyaT"),
        ("family_name", "Taylor\u{2066}"),
    ] {
        let (_, tag) = owner.detail(sam).await;
        let (status, _, body) = owner
            .send_json(
                "PATCH",
                &format!("/api/v1/users/{sam}"),
                &[("if-match", &tag)],
                Some(serde_json::json!({ field: value })),
            )
            .await;
        assert_eq!(
            (status, &body["error"]["field"]),
            (StatusCode::BAD_REQUEST, &serde_json::json!(field)),
            "{value:?}"
        );
    }
    let (status, body) = owner
        .post_json("/api/v1/tokens", serde_json::json!({"name": "deploy\nbot"}))
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (StatusCode::BAD_REQUEST, &serde_json::json!("name"))
    );

    // A new person accepting an invitation is held to the same rule.
    let email = "fresh.face@northwind.example";
    owner
        .post_json(
            "/api/v1/invitations",
            serde_json::json!({"emails": [email]}),
        )
        .await;
    let token = delivered_links(&owner, email).await.remove(0);
    let (status, body) = owner
        .another_client()
        .post_json(
            "/api/v1/invitations/accept",
            serde_json::json!({"token": token, "given_name": "Fresh\u{202E}", "family_name": "Face", "password": "a long enough passphrase"}),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (StatusCode::BAD_REQUEST, &serde_json::json!("given_name"))
    );
}

// Finding 9: TOTP secrets in plain text; recovery codes as unsalted SHA-256.

#[tokio::test]
async fn two_factor_secrets_are_encrypted_and_recovery_codes_keyed() {
    let mut server = anonymous_demo_server().await;
    server.sign_in_as(dataset::DEMO_ADMIN_EMAIL).await;
    let (_, body) = server
        .post_json("/api/v1/session/two-factor/setup", serde_json::json!({}))
        .await;
    let setup: TwoFactorSetup = serde_json::from_value(body).expect("setup");
    let code =
        two_factor::code_at(&setup.secret, dataset::DEMO_ADMIN_EMAIL, server.now()).expect("code");
    let (status, body) = server
        .post_json(
            "/api/v1/session/two-factor",
            serde_json::json!({"code": code}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let enrolled: TwoFactorEnrolled = serde_json::from_value(body).expect("enrolled");

    let mut db = database(&server).await;
    let stored: String = sqlx::query_scalar("SELECT totp_secret FROM users WHERE email = ?")
        .bind(dataset::DEMO_ADMIN_EMAIL)
        .fetch_one(&mut db)
        .await
        .expect("secret");
    assert!(
        stored.starts_with("v1:") && !stored.contains(&setup.secret),
        "{stored}"
    );
    let digests: Vec<String> =
        sqlx::query_scalar("SELECT code_hash FROM recovery_codes WHERE user_id = ?")
            .bind(id_of(dataset::DEMO_ADMIN_EMAIL))
            .fetch_all(&mut db)
            .await
            .expect("codes");
    let plain_digest = two_factor::recovery_code_hash(&enrolled.recovery_codes[0]);
    assert!(digests.iter().all(|d| d.starts_with("h1:")), "{digests:?}");
    assert!(
        !digests.contains(&plain_digest),
        "a digest anyone could compute is not stored"
    );
    // No seeded secret is stored in the clear either.
    assert_eq!(
        scalar(
            &mut db,
            "SELECT COUNT(*) FROM users WHERE totp_secret NOT LIKE 'v1:%'"
        )
        .await,
        0
    );

    // The database with another key does not open.
    let url = format!(
        "sqlite://{}",
        server._dir.path().join("roster.db").display()
    );
    let other = Store::open(&url, SecretKey::ephemeral()).await;
    assert!(other.is_err(), "a wrong key is refused at start-up");
}

#[tokio::test]
async fn secrets_stored_in_the_clear_before_are_protected_at_start_up_and_still_work() {
    let server = anonymous_demo_server().await;
    let person = dataset::DEMO_TWO_FACTOR_EMAIL;
    let secret = two_factor::demo_secret(person);
    let legacy_code = "abcde-fghjk";
    let mut db = database(&server).await;
    // As a database from before looked: the secret and the code digest in the clear.
    sqlx::query("UPDATE users SET totp_secret = ? WHERE email = ?")
        .bind(&secret)
        .bind(person)
        .execute(&mut db)
        .await
        .expect("plain secret");
    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)")
        .bind(id_of(person))
        .bind(two_factor::recovery_code_hash(legacy_code))
        .execute(&mut db)
        .await
        .expect("plain code");
    drop(db);

    let url = format!(
        "sqlite://{}",
        server._dir.path().join("roster.db").display()
    );
    let store = Store::open(&url, server.key.clone()).await.expect("reopen");
    let mut db = database(&server).await;
    assert_eq!(
        scalar(
            &mut db,
            "SELECT COUNT(*) FROM users WHERE totp_secret NOT LIKE 'v1:%'"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &mut db,
            "SELECT COUNT(*) FROM recovery_codes WHERE code_hash NOT LIKE 'h1:%'"
        )
        .await,
        0
    );

    let state = roster_server::state::AppState::new(
        store,
        server.state.clock.clone(),
        server._dir.path().join("mail"),
    )
    .expect("state");
    let mut reopened = server.another_client();
    reopened.router = app::router(state.clone(), None);
    reopened.state = state;
    let code = two_factor::code_at(&secret, person, reopened.now()).expect("code");
    let (status, _, body) = reopened
        .post_sign_in_with_code(person, PASSWORD, Some(&code))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the migrated secret still works: {body}"
    );
    let (status, _, body) = reopened
        .post_sign_in_with_code(person, PASSWORD, Some(legacy_code))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the migrated recovery code still works: {body}"
    );
}

// Finding 10 is in tests/invitations.rs (a used, withdrawn or expired link shows no details).

// Finding 11: a busy database answered 500 after 5 s.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_database_answers_503_with_retry_after_and_no_attempt_goes_unrecorded() {
    let mut server = server_with_busy_timeout(
        |ids| dataset::demo(ids, NOW, password_hash()),
        None,
        Duration::from_millis(200),
    )
    .await;
    server.sign_in_as(OWNER).await;
    let mut holder = database(&server).await;
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .expect("hold the write lock");

    let visitor = server.another_client();
    for password in [PASSWORD, "a wrong guess"] {
        let (status, headers, body) = visitor
            .send_json(
                "POST",
                "/api/v1/session",
                &[],
                Some(serde_json::json!({"email": MEMBER, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"]["code"], "unavailable");
        assert_eq!(
            headers.get("retry-after").and_then(|v| v.to_str().ok()),
            Some("1")
        );
    }
    let (status, _) = server
        .post_json(
            "/api/v1/invitations",
            serde_json::json!({"emails": ["busy@northwind.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    // Reading goes on meanwhile.
    let _: Page<roster_model::UserSummary> = server.get("/api/v1/users").await;

    sqlx::query("ROLLBACK")
        .execute(&mut holder)
        .await
        .expect("release");
    // No password was checked while busy, so none went unrecorded: the free failures are intact.
    for _ in 0..FREE_FAILURES_PER_ACCOUNT {
        assert_eq!(
            visitor.post_sign_in(MEMBER, "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        visitor.post_sign_in(MEMBER, PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

// Finding 12: the smaller ones.

#[tokio::test]
async fn an_oversized_body_answers_413() {
    let server = demo_server().await;
    let emails: Vec<String> = (0..120_000)
        .map(|i| format!("person{i}@northwind.example"))
        .collect();
    let (status, body) = server
        .post_json(
            "/api/v1/invitations",
            serde_json::json!({ "emails": emails }),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn invitations_to_outside_addresses_have_a_daily_quota() {
    let owner = demo_server()
        .await
        .with_settings(|s| s.outside_mail_per_day = 3);
    let emails: Vec<String> = (0..5)
        .map(|i| format!("contractor{i}@outside.example"))
        .collect();
    let (status, body) = owner
        .post_json(
            "/api/v1/accounts/1/invitations",
            serde_json::json!({"emails": emails, "roles": ["support"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcomes: Vec<&str> = body
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        outcomes,
        ["invited", "invited", "invited", "failed", "failed"]
    );
    assert!(body[3]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("as many invitations to people outside it"));

    // Sending one again later the same day counts too.
    let invitations: Vec<roster_model::AccountInvitation> =
        owner.get("/api/v1/accounts/1/invitations").await;
    let id = invitations.first().expect("an invitation").id;
    owner.advance(owner.state.settings.resend_cooldown_seconds + 1);
    let mut owner = owner;
    owner.sign_in_as(OWNER).await;
    let (_, body) = owner
        .post_json(
            "/api/v1/invitations/resend",
            serde_json::json!({"ids": [id]}),
        )
        .await;
    assert_eq!(body["results"][0]["ok"], false, "{body}");
    owner.advance(24 * 60 * 60);
    owner.sign_in_as(OWNER).await;
    let (_, body) = owner
        .post_json(
            "/api/v1/invitations/resend",
            serde_json::json!({"ids": [id]}),
        )
        .await;
    assert_eq!(
        body["results"][0]["ok"], true,
        "a new day, a new allowance: {body}"
    );
}

// Headers and browser policy.

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_only_our_hosts_are_served() {
    let site = tempfile::TempDir::new().expect("site");
    let loader = "\nimport init from '/roster.js';\nawait init();\n";
    std::fs::write(
        site.path().join("index.html"),
        format!("<!doctype html><head><script type=\"module\">{loader}</script></head>"),
    )
    .expect("index");
    let mut server = server_with(
        |ids| dataset::demo(ids, NOW, password_hash()),
        Some(site.path()),
    )
    .await;
    server.sign_in_as(OWNER).await;
    let hash = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(loader.as_bytes()))
    };
    for (path, api) in [
        ("/api/v1/users", true),
        ("/users/managed", false),
        ("/api/v1/nothing", true),
    ] {
        let response = server
            .send(
                Request::get(path)
                    .header("host", "127.0.0.1:8080")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'self'",
            &format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'"),
            "style-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp} lacks {directive}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(header("cache-control") == "no-store", api, "{path}");
    }

    // DNS rebinding: a page on another site that resolves its name to this server is refused.
    let response = server
        .send(
            Request::get("/api/v1/users")
                .header("host", "attacker.example")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let status = response.status();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("body")
        .to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    assert_eq!(status, StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(body["error"]["code"], "misdirected_request");
    assert!(!body.to_string().contains("@northwind.example"));
}
