//! The attempt throttle (parallel guesses, growing pauses, per-address limits behind trusted
//! proxies), bounded password hashing, and input refused before any work.

use crate::common::*;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use roster_model::{AuditEntry, Page};
use roster_server::auth::{
    self, PasswordHashing, FREE_FAILURES_PER_ACCOUNT, FREE_FAILURES_PER_ACCOUNT_EVERYWHERE,
    FREE_FAILURES_PER_ADDRESS,
};
use roster_server::dataset;
use std::net::SocketAddr;
use std::time::Duration;

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
async fn an_attempt_during_a_pause_is_told_to_wait_without_the_write_lock() {
    // A flood of sign-ins at a paused account must not queue on the lock every change of every
    // replica waits for: each is told to wait from a read alone.
    let server = anonymous_demo_server().await;
    for _ in 0..FREE_FAILURES_PER_ACCOUNT {
        let (status, _, _) = server.post_sign_in(OWNER, "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let mut holder = database(&server).await;
    hold_write_lock(&server, &mut holder).await;
    let attempt =
        tokio::time::timeout(Duration::from_secs(2), server.post_sign_in(OWNER, "guess")).await;
    release_write_lock(&mut holder).await;
    let (status, _, body) = attempt.expect("answered while another change held the write lock");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
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
    let guesses = (0..25).map(|i| {
        serde_json::json!({"current_password": format!("guess {i}"), "new_password": "a brand new passphrase"})
    });
    let statuses = posts_at_once(&server, "/api/v1/session/password", guesses.collect()).await;
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

/// Guesses `email`'s password from a connection of `peer` that says it forwards for
/// `forwarded_for`.
async fn sign_in_via(
    server: &TestServer,
    peer: &str,
    forwarded_for: &str,
    email: &str,
) -> StatusCode {
    sign_in_with_via(server, peer, forwarded_for, email, "guess").await
}

/// Signs in as `email` with `password` from a connection of `peer` that says it forwards for
/// `forwarded_for`.
async fn sign_in_with_via(
    server: &TestServer,
    peer: &str,
    forwarded_for: &str,
    email: &str,
    password: &str,
) -> StatusCode {
    let mut request = Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .header(roster_model::CSRF_HEADER, "1")
        .header("x-forwarded-for", forwarded_for)
        .body(Body::from(
            serde_json::json!({"email": email, "password": password}).to_string(),
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
async fn a_guesser_cannot_keep_the_owner_of_an_account_out() {
    // Someone guessing an Owner's password from one address keeps the account paused there, and
    // only there: the Owner, from another address, signs in at once.
    let server = anonymous_demo_server().await;
    let guesser = "198.51.100.7:5000";
    for _ in 0..FREE_FAILURES_PER_ACCOUNT {
        assert_eq!(
            sign_in_via(&server, guesser, "", OWNER).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in_via(&server, guesser, "", OWNER).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_with_via(&server, "192.0.2.10:6000", "", OWNER, PASSWORD).await,
        StatusCode::OK,
        "the Owner's own address was not held back"
    );
    assert_eq!(
        sign_in_via(&server, guesser, "", OWNER).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the Owner's sign-in did not forgive the guesser"
    );

    // Guessing spread over many addresses pauses the account everywhere, after many more tries.
    let spread = anonymous_demo_server().await;
    for i in 0..FREE_FAILURES_PER_ACCOUNT_EVERYWHERE {
        let peer = format!("203.0.113.{}:5000", i / FREE_FAILURES_PER_ACCOUNT);
        assert_eq!(
            sign_in_via(&spread, &peer, "", OWNER).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in_with_via(&spread, "192.0.2.10:6000", "", OWNER, PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guesses_from_many_addresses_at_once_get_no_more_tries_than_in_turn() {
    // Twenty addresses guess at once, each twice as often as it may: the account's count across
    // addresses is kept under the write lock like each address's, so no more guesses run than
    // the cap across addresses, and none from one address past its own.
    let server = anonymous_demo_server().await;
    let addresses = 20;
    let statuses = in_parallel(200, |i| {
        let router = server.router.clone();
        async move {
            let mut request = Request::post("/api/v1/session")
                .header("content-type", "application/json")
                .header(roster_model::CSRF_HEADER, "1")
                .body(Body::from(
                    serde_json::json!({"email": OWNER, "password": "guess"}).to_string(),
                ))
                .expect("request");
            let peer: SocketAddr = format!("203.0.113.{}:5000", i % addresses)
                .parse()
                .expect("peer");
            request.extensions_mut().insert(ConnectInfo(peer));
            router.oneshot_request(request).await.status()
        }
    })
    .await;
    // Attempts past the hashing queue are turned away (503) before any check; their
    // reservations held others back meanwhile, so fewer may run than in turn, never more.
    let ran = count(&statuses, StatusCode::UNAUTHORIZED);
    assert!(
        (1..=FREE_FAILURES_PER_ACCOUNT_EVERYWHERE as usize).contains(&ran),
        "{statuses:?}"
    );
    assert_eq!(
        ran + count(&statuses, StatusCode::TOO_MANY_REQUESTS)
            + count(&statuses, StatusCode::SERVICE_UNAVAILABLE),
        statuses.len(),
        "{statuses:?}"
    );
    let mut db = database(&server).await;
    assert_eq!(
        scalar(&mut db, "SELECT COUNT(*) FROM sign_in_failures").await,
        ran as i64
    );
    let most_from_one: i64 = scalar(
        &mut db,
        "SELECT MAX(tries) FROM (SELECT COUNT(*) AS tries FROM sign_in_failures GROUP BY client_addr) t",
    )
    .await;
    assert!(
        most_from_one <= FREE_FAILURES_PER_ACCOUNT,
        "{most_from_one}"
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
