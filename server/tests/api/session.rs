//! Signing in and out: the session cookie, the attempt throttle (parallel guesses, growing pauses,
//! per-address limits behind trusted proxies), bounded password hashing, input limits, idle and
//! maximum session age, changing one's password, and the audit of it all.

use crate::common::*;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use roster_model::{AuditEntry, Organization, Page, UserSummary};
use roster_server::auth::{
    self, PasswordHashing, FREE_FAILURES_PER_ACCOUNT, FREE_FAILURES_PER_ADDRESS,
};
use roster_server::clock::Clock;
use roster_server::secrets::SecretKey;
use roster_server::state::AppState;
use roster_server::store::Store;
use roster_server::{app, dataset};
use std::net::SocketAddr;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

#[tokio::test]
async fn owners_see_who_they_are() {
    let server = demo_server().await;
    let me: roster_model::Me = server.get("/api/v1/session").await;
    assert_eq!(me.user.email, OWNER);
    assert_eq!(me.user.name, "Maya Chen");
    assert_eq!(me.role, roster_model::OrgRole::Owner);
    assert!(me.manages_users);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let server = anonymous_demo_server().await;
    let (wrong_status, wrong_cookie, wrong) = server.post_sign_in(OWNER, "not it").await;
    let (unknown_status, unknown_cookie, unknown) = server
        .post_sign_in("nobody@northwind.example", PASSWORD)
        .await;
    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!((wrong_status, &wrong), (unknown_status, &unknown));
    assert_eq!(
        wrong["error"]["message"],
        "That email and password do not match."
    );
    assert!(wrong_cookie.is_none() && unknown_cookie.is_none());
    // An invited user, who has no password yet, cannot sign in either.
    let invited = demo_as_inserted()
        .users
        .into_iter()
        .find(|u| u.status == roster_model::UserStatus::Invited)
        .expect("an invitee");
    let (status, _, _) = server.post_sign_in(&invited.email, PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_secure_behind_https() {
    let server = anonymous_demo_server().await;
    let (_, cookie, _) = server.post_sign_in(OWNER, PASSWORD).await;
    let cookie = cookie.expect("cookie");
    assert!(cookie.starts_with("roster_session="), "{cookie}");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");

    // X-Forwarded-Proto counts only from a proxy the server was told to trust.
    let server = server.with_settings(|settings| {
        settings.trusted_proxies = vec!["10.0.0.0/8".parse().expect("range")];
    });
    let cookie_from = |peer: &str| {
        let mut request = Request::post("/api/v1/session")
            .header("content-type", "application/json")
            .header(roster_model::CSRF_HEADER, "1")
            .header("x-forwarded-proto", "https")
            .body(Body::from(
                serde_json::json!({"email": OWNER, "password": PASSWORD}).to_string(),
            ))
            .expect("request");
        let peer: std::net::SocketAddr = peer.parse().expect("address");
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        let server = &server;
        async move {
            let response = server.send(request).await;
            response
                .headers()
                .get("set-cookie")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        }
    };
    let cookie = cookie_from("10.0.0.2:4000").await;
    assert!(
        cookie.contains("Secure"),
        "behind the trusted proxy: {cookie}"
    );
    let cookie = cookie_from("198.51.100.7:4000").await;
    assert!(cookie.starts_with("roster_session="), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "a client's own header: {cookie}"
    );
}

#[tokio::test]
async fn repeated_failures_make_the_next_attempt_wait_and_the_wait_ends() {
    let server = anonymous_demo_server().await;
    for _ in 0..roster_server::auth::FREE_FAILURES_PER_ACCOUNT {
        let (status, _, _) = server.post_sign_in(OWNER, "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now, so guessing gains nothing…
    let request = Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .header(roster_model::CSRF_HEADER, "1")
        .body(Body::from(
            serde_json::json!({"email": OWNER, "password": PASSWORD}).to_string(),
        ))
        .expect("request");
    let response = server.send(request).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("2"),
        "the first pause is short"
    );
    assert!(response.headers().get("set-cookie").is_none());
    // …another account is not affected…
    let (status, _, _) = server.post_sign_in(MEMBER, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    // …and once the pause is over, the right password works: no lock to wait out.
    server.advance(2);
    let (status, _, body) = server.post_sign_in(OWNER, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Success forgets the failures: the next mistake costs no pause.
    let (status, _, _) = server.post_sign_in(OWNER, "guess").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = server.post_sign_in(OWNER, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn pauses_grow_with_every_failure_up_to_a_limit() {
    let server = anonymous_demo_server().await;
    let guess = serde_json::json!({"email": OWNER, "password": "guess"});
    let mut pauses = Vec::new();
    // Five free failures, then ten pauses, each followed by one more failure: all within the hour
    // over which failures count.
    for _ in 0..24 {
        let (status, headers, _) = server
            .send_json("POST", "/api/v1/session", &[], Some(guess.clone()))
            .await;
        if status == StatusCode::UNAUTHORIZED {
            continue;
        }
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        let wait: i64 = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After");
        // A moment too early is still refused; the moment the answer named is not.
        server.advance(wait - 1);
        let (status, _, _) = server.post_sign_in(OWNER, PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        server.advance(1);
        pauses.push(wait);
    }
    assert_eq!(&pauses[..4], &[2, 4, 8, 16], "{pauses:?}");
    assert!(pauses.windows(2).all(|w| w[0] <= w[1]), "{pauses:?}");
    assert_eq!(
        pauses.last().copied(),
        Some(roster_server::auth::LONGEST_PAUSE_SECONDS),
        "{pauses:?}"
    );
}

#[tokio::test]
async fn sessions_end_on_sign_out_when_idle_and_at_their_maximum_age() {
    let mut server = demo_server().await;
    let request = Request::delete("/api/v1/session")
        .header(roster_model::CSRF_HEADER, "1")
        .body(Body::empty())
        .expect("request");
    let response = server.send(request).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let (status, _) = server.get_error("/api/v1/users").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old cookie opens nothing"
    );

    server.sign_in_as(OWNER).await;
    server.advance(roster_server::auth::SESSION_IDLE_SECONDS - 60);
    let _: Organization = server.get("/api/v1/organization").await;
    server.advance(roster_server::auth::SESSION_IDLE_SECONDS - 60);
    let _: Organization = server.get("/api/v1/organization").await;
    server.advance(roster_server::auth::SESSION_IDLE_SECONDS + 1);
    let (status, _) = server.get_error("/api/v1/organization").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "idle too long");

    server.sign_in_as(OWNER).await;
    let step = roster_server::auth::SESSION_IDLE_SECONDS - 60;
    let mut elapsed = 0;
    loop {
        server.advance(step);
        elapsed += step;
        let (status, _, _) = server.get_raw("/api/v1/organization").await;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            elapsed < roster_server::auth::SESSION_MAX_SECONDS,
            "still open after {elapsed} s"
        );
    }
    assert!(
        elapsed >= roster_server::auth::SESSION_MAX_SECONDS,
        "ended early, after {elapsed} s of steady use"
    );
}

#[tokio::test]
async fn sign_in_sign_out_and_failures_are_audited() {
    let dir = TempDir::new().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("roster.db").display());
    let key = SecretKey::ephemeral();
    let store = Store::open(&url, key.clone()).await.expect("open");
    store
        .insert_dataset(&dataset::demo(
            store.next_ids().await.expect("ids"),
            NOW,
            password_hash(),
        ))
        .await
        .expect("demo");
    let state = AppState::new(
        store.clone(),
        Clock::from_fn(|| NOW),
        dir.path().join("mail"),
    )
    .expect("state");
    let mut server = TestServer {
        router: app::router(state.clone(), None),
        state,
        cookie: None,
        now: Arc::new(AtomicI64::new(NOW)),
        key,
        _dir: Arc::new(dir),
    };
    server.post_sign_in(OWNER, "wrong").await;
    server.sign_in_as(OWNER).await;
    let request = Request::delete("/api/v1/session")
        .header(roster_model::CSRF_HEADER, "1")
        .body(Body::empty())
        .expect("request");
    server.send(request).await;
    server.sign_in_as(OWNER).await;
    let log: Page<roster_model::AuditEntry> = server.get("/api/v1/audit").await;
    let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "session.signed_in",
            "session.signed_out",
            "session.signed_in",
            "session.sign_in_failed"
        ]
    );
    assert!(log
        .items
        .iter()
        .all(|e| e.target.is_some() && e.client_addr.is_some()));
    assert_eq!(log.items[1].actor, "Maya Chen");
    assert_eq!(
        log.items[3].actor, OWNER,
        "a failed sign-in names the email tried"
    );

    let failures: Page<roster_model::AuditEntry> = server
        .get("/api/v1/audit?action=session.sign_in_failed")
        .await;
    assert_eq!(failures.total, 1);
    let by_actor: Page<roster_model::AuditEntry> =
        server.get("/api/v1/audit?actor=maya%20ch").await;
    assert_eq!(by_actor.total, 3);
    let paged: Page<roster_model::AuditEntry> = server.get("/api/v1/audit?limit=3").await;
    let rest: Page<roster_model::AuditEntry> = server
        .get(&format!(
            "/api/v1/audit?limit=3&cursor={}",
            paged.next_cursor.expect("a second page")
        ))
        .await;
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].action, "session.sign_in_failed");
    // Globex's log is its own.
    let mut globex = server.another_client();
    globex.sign_in_as("hank.scorpio@globex.example").await;
    let theirs: Page<roster_model::AuditEntry> = globex.get("/api/v1/audit").await;
    assert_eq!(theirs.total, 1);
    assert_eq!(theirs.items[0].actor, "Hank Scorpio");
}

#[tokio::test]
async fn changing_ones_password_needs_the_current_one_and_ends_other_sessions() {
    let mut other_device = anonymous_demo_server().await;
    let person = dataset::DEMO_ADMIN_EMAIL;
    other_device.sign_in_as(person).await;
    let mut server = other_device.another_client();
    server.sign_in_as(person).await;

    let change = |current: &str, new: &str| serde_json::json!({"current_password": current, "new_password": new});
    let (status, body) = server
        .post_json(
            "/api/v1/session/password",
            change("wrong", "a brand new passphrase"),
        )
        .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["field"]),
        (422, &serde_json::json!("current_password"))
    );
    let (status, body) = server
        .post_json("/api/v1/session/password", change(PASSWORD, "short"))
        .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["field"]),
        (422, &serde_json::json!("new_password"))
    );
    let (status, body) = server
        .post_json("/api/v1/session/password", change(PASSWORD, PASSWORD))
        .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["field"]),
        (422, &serde_json::json!("new_password"))
    );

    let (status, me) = server
        .post_json(
            "/api/v1/session/password",
            change(PASSWORD, "a brand new passphrase"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let _: Page<UserSummary> = server.get("/api/v1/users").await;
    let (status, _) = other_device.get_error("/api/v1/session").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the user's other sessions end"
    );

    let (status, _, _) = server.post_sign_in(person, PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old password no longer works"
    );
    let (status, _, _) = server.post_sign_in(person, "a brand new passphrase").await;
    assert_eq!(status, StatusCode::OK);
    let log: Page<roster_model::AuditEntry> = server
        .get("/api/v1/audit?action=user.password_changed")
        .await;
    assert_eq!(log.total, 1);
    assert_eq!(log.items[0].actor, "Priya Raman");
}

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
    assert_throttled(&statuses, StatusCode::UNPROCESSABLE_ENTITY);
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

#[tokio::test]
async fn an_oversized_email_is_refused_before_any_work_or_storage() {
    let server = anonymous_demo_server().await;
    let huge = format!("{}@northwind.example", "a".repeat(1_900_000));
    let (status, _, body) = server.post_sign_in(&huge, "guess").await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &serde_json::json!("email")
        )
    );
    let just_over = format!(
        "{}@northwind.example",
        "a".repeat(255 - "@northwind.example".len())
    );
    assert_eq!(
        server.post_sign_in(&just_over, "guess").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
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
