//! Signing in and out: the session cookie, idle and maximum session age, changing one's password,
//! and the audit of it all. `throttle` holds the attempt throttle and the limits on input and work.

mod throttle;

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use roster_model::{Organization, Page, UserSummary};
use roster_server::clock::Clock;
use roster_server::secrets::SecretKey;
use roster_server::state::AppState;
use roster_server::store::Store;
use roster_server::{app, dataset};
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
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

/// `request` as it arrives from `peer` saying (in `X-Forwarded-Proto`) that its client came over
/// https, which counts only when `peer` is a trusted proxy.
fn https_from(peer: &str, request: axum::http::request::Builder, body: Body) -> Request<Body> {
    let mut request = request
        .header("x-forwarded-proto", "https")
        .body(body)
        .expect("request");
    let peer: std::net::SocketAddr = peer.parse().expect("address");
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    request
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
        let request = Request::post("/api/v1/session")
            .header("content-type", "application/json")
            .header(roster_model::CSRF_HEADER, "1");
        let request = https_from(
            peer,
            request,
            Body::from(serde_json::json!({"email": OWNER, "password": PASSWORD}).to_string()),
        );
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
        cookie.starts_with("__Host-roster_session=") && cookie.contains("Secure"),
        "behind the trusted proxy: {cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    // Over https only that cookie opens the session: a plain one a sibling domain could set
    // (cookie tossing) is not read, even sent first. Such answers also ask for https from now on.
    let token = cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, token)| token.to_owned())
        .unwrap_or_default();
    let session_over_https = |cookies: String| {
        let request = Request::get("/api/v1/session").header("cookie", cookies);
        let request = https_from("10.0.0.2:4000", request, Body::empty());
        let server = &server;
        async move { server.send(request).await }
    };
    let answer = session_over_https(format!("__Host-roster_session={token}")).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        answer.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    // So do the answers made before the request reaches the API: the host check's refusal.
    let request = Request::get("/api/v1/health").header("host", "attacker.example");
    let refused = server
        .send(https_from("10.0.0.2:4000", request, Body::empty()))
        .await;
    assert_eq!(refused.status(), StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(
        refused.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let tossed = format!("roster_session=someone-elses; __Host-roster_session={token}");
    assert_eq!(session_over_https(tossed).await.status(), StatusCode::OK);
    let plain = format!("roster_session={token}");
    assert_eq!(
        session_over_https(plain).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Signing out over https clears that cookie.
    let request = Request::delete("/api/v1/session")
        .header(roster_model::CSRF_HEADER, "1")
        .header("cookie", format!("__Host-roster_session={token}"));
    let request = https_from("10.0.0.2:4000", request, Body::empty());
    let signed_out = server.send(request).await;
    assert_eq!(signed_out.status(), StatusCode::NO_CONTENT);
    let cleared = signed_out.headers()["set-cookie"]
        .to_str()
        .unwrap_or_default();
    assert!(
        cleared.starts_with("__Host-roster_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert_eq!(
        session_over_https(format!("__Host-roster_session={token}"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let cookie = cookie_from("198.51.100.7:4000").await;
    assert!(cookie.starts_with("roster_session="), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "a client's own header: {cookie}"
    );
    assert!(
        server
            .send(
                Request::get("/api/v1/health")
                    .body(Body::empty())
                    .expect("request")
            )
            .await
            .headers()
            .get("strict-transport-security")
            .is_none(),
        "no https, no HSTS"
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
    let url = new_database_url(&dir).await;
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
        database_url: url,
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
    // A person written as mail programs copy them finds what their address finds.
    let by_address: Page<roster_model::AuditEntry> =
        server.get(&format!("/api/v1/audit?actor={OWNER}")).await;
    let by_named_address: Page<roster_model::AuditEntry> = server
        .get(&format!(
            "/api/v1/audit?actor=Maya%20Chen%20%3C{OWNER}%3E%20"
        ))
        .await;
    assert!(by_address.total >= 3);
    assert_eq!(by_named_address, by_address);
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

#[tokio::test]
async fn the_audit_log_counts_up_to_the_cap() {
    // A log grows without end: its pages count the entries up to the cap, as the user lists do,
    // and say there are more, rather than count every entry on every page.
    let server = demo_server().await;
    let mut db = database(&server).await;
    execute(
        &mut db,
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) \
             INSERT INTO audit_events (org_id, actor_label, action, at) \
             SELECT (SELECT org_id FROM users WHERE email = '{OWNER}'), 'Seeded', 'user.renamed', 1 \
             FROM n",
            roster_model::COUNT_CAP + 1
        ),
    )
    .await;
    let log: Page<roster_model::AuditEntry> = server.get("/api/v1/audit?limit=5").await;
    assert_eq!(log.total, roster_model::COUNT_CAP);
    assert!(log.total_capped);
    assert_eq!(log.items.len(), 5);
    let few: Page<roster_model::AuditEntry> =
        server.get("/api/v1/audit?action=session.signed_in").await;
    assert!(!few.total_capped);
    assert_eq!(few.total, few.items.len() as u64);
}
