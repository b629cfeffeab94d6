//! Two-factor sign-in: codes at every sign-in, replay refused, recovery codes, and enrolment (by
//! choice, or forced when required).

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{AuditEntry, Me, Page, TwoFactorEnrolled, TwoFactorSetup, RECOVERY_CODE_COUNT};
use roster_server::secrets::SecretKey;
use roster_server::store::Store;
use roster_server::{app, dataset, two_factor};

#[tokio::test]
async fn two_factor_secrets_are_encrypted_and_recovery_codes_keyed() {
    let mut server = anonymous_demo_server().await;
    server.sign_in_as(dataset::DEMO_ADMIN_EMAIL).await;
    let (_, body) = server
        .post_json(
            "/api/v1/session/two-factor/setup",
            serde_json::json!({"current_password": PASSWORD}),
        )
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
    let stored: String = sqlx::query_scalar("SELECT totp_secret FROM users WHERE email = $1")
        .bind(dataset::DEMO_ADMIN_EMAIL)
        .fetch_one(&mut db)
        .await
        .expect("secret");
    assert!(
        stored.starts_with("v1:") && !stored.contains(&setup.secret),
        "{stored}"
    );
    let digests: Vec<String> =
        sqlx::query_scalar("SELECT code_hash FROM recovery_codes WHERE user_id = $1")
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
    let url = &server.database_url;
    let other = Store::open(url, SecretKey::ephemeral()).await;
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
    sqlx::query("UPDATE users SET totp_secret = $1 WHERE email = $2")
        .bind(&secret)
        .bind(person)
        .execute(&mut db)
        .await
        .expect("plain secret");
    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
        .bind(id_of(person))
        .bind(two_factor::recovery_code_hash(legacy_code))
        .execute(&mut db)
        .await
        .expect("plain code");
    drop(db);

    let url = &server.database_url;
    let store = Store::open(url, server.key.clone()).await.expect("reopen");
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

const ENROLLED: &str = dataset::DEMO_TWO_FACTOR_EMAIL;

fn code_for(email: &str, at: i64) -> String {
    two_factor::code_at(&two_factor::demo_secret(email), email, at).unwrap_or_default()
}

#[tokio::test]
async fn an_enrolled_user_gives_a_fresh_code_at_every_sign_in() {
    let mut server = anonymous_demo_server().await;

    let (status, cookie, body) = server.post_sign_in(ENROLLED, PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "two_factor_code_required");
    assert_eq!(body["error"]["field"], "code");
    assert!(cookie.is_none(), "no session before the second factor");

    // A wrong password is refused before any code is asked for.
    let (_, _, body) = server
        .post_sign_in_with_code(ENROLLED, "wrong password", Some(&code_for(ENROLLED, NOW)))
        .await;
    assert_eq!(body["error"]["field"], "password");

    let (status, cookie, body) = server
        .post_sign_in_with_code(ENROLLED, PASSWORD, Some("123456"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["field"], "code");
    assert!(cookie.is_none());

    let code = code_for(ENROLLED, NOW);
    let (status, cookie, body) = server
        .post_sign_in_with_code(ENROLLED, PASSWORD, Some(&code))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(cookie.is_some());
    let me: Me = serde_json::from_value(body).expect("me");
    assert!(me.two_factor_enrolled && !me.must_enrol_two_factor);

    // The same code again, even within its 30 seconds, is refused: it was spent.
    let (status, _, body) = server
        .post_sign_in_with_code(ENROLLED, PASSWORD, Some(&code))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["field"], "code");

    // A code from a step later works; one from far in the past does not.
    server.advance(30);
    let (status, _, _) = server
        .post_sign_in_with_code(ENROLLED, PASSWORD, Some(&code_for(ENROLLED, NOW - 600)))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, body) = server
        .post_sign_in_with_code(ENROLLED, PASSWORD, Some(&code_for(ENROLLED, NOW + 30)))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Wrong codes count as failed sign-ins: enough of them and the account waits.
    for _ in 0..5 {
        server
            .post_sign_in_with_code(ENROLLED, PASSWORD, Some("000000"))
            .await;
    }
    let (status, _, body) = server
        .post_sign_in_with_code(ENROLLED, PASSWORD, Some(&code_for(ENROLLED, NOW + 60)))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");

    server.sign_in_as(OWNER).await;
    let log: Page<AuditEntry> = server
        .get("/api/v1/audit?action=session.sign_in_failed")
        .await;
    assert!(log
        .items
        .iter()
        .any(|e| e.target.as_deref() == Some(ENROLLED)));
}

#[tokio::test]
async fn enrolment_is_confirmed_by_a_code_and_yields_single_use_recovery_codes() {
    let server = demo_server().await;
    let setup: TwoFactorSetup = {
        let (status, body) = server
            .post_json(
                "/api/v1/session/two-factor/setup",
                serde_json::json!({"current_password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).expect("setup")
    };
    assert!(setup.otpauth_uri.starts_with("otpauth://totp/Roster:"));
    assert!(setup.otpauth_uri.contains(&setup.secret));
    assert!(setup.qr_code.starts_with("data:image/svg+xml;base64,"));

    let (status, body) = server
        .post_json(
            "/api/v1/session/two-factor",
            serde_json::json!({"code": "000000"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "code");

    let code = two_factor::code_at(&setup.secret, OWNER, NOW).unwrap_or_default();
    let (status, body) = server
        .post_json(
            "/api/v1/session/two-factor",
            serde_json::json!({"code": code}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let enrolled: TwoFactorEnrolled = serde_json::from_value(body).expect("enrolled");
    assert_eq!(enrolled.recovery_codes.len(), RECOVERY_CODE_COUNT);
    assert!(enrolled.me.two_factor_enrolled);

    // Enrolled now: setting up again is refused, and the log says who enrolled.
    let (status, _) = server
        .post_json(
            "/api/v1/session/two-factor/setup",
            serde_json::json!({"current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let log: Page<AuditEntry> = server
        .get("/api/v1/audit?action=user.two_factor_enrolled")
        .await;
    assert_eq!(log.items.len(), 1);
    assert_eq!(log.items[0].actor, "Maya Chen");

    // Signing in now takes a code; a recovery code (typed loosely) works once.
    let (_, _, body) = server.post_sign_in(OWNER, PASSWORD).await;
    assert_eq!(body["error"]["code"], "two_factor_code_required");
    let recovery = enrolled.recovery_codes[3].to_uppercase().replace('-', " ");
    let (status, _, body) = server
        .post_sign_in_with_code(OWNER, PASSWORD, Some(&recovery))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = server
        .post_sign_in_with_code(OWNER, PASSWORD, Some(&recovery))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The code that confirmed enrolment is spent too.
    let (status, _, _) = server
        .post_sign_in_with_code(OWNER, PASSWORD, Some(&code))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let log: Page<AuditEntry> = server
        .get("/api/v1/audit?action=session.recovery_code_used")
        .await;
    assert_eq!(log.items.len(), 1);
}

/// A session alone (left open, or taken) cannot put another authenticator in front of the
/// account: setting two-factor up asks for the password again.
#[tokio::test]
async fn setting_two_factor_up_asks_for_the_password_again() {
    let mut server = anonymous_demo_server().await;
    server.sign_in_as(dataset::DEMO_ADMIN_EMAIL).await;
    let (status, body) = server
        .post_json(
            "/api/v1/session/two-factor/setup",
            serde_json::json!({"current_password": "a guess"}),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &serde_json::json!("current_password")
        ),
        "{body}"
    );
    // No secret waits for a code: nothing can be confirmed.
    let (status, body) = server
        .post_json(
            "/api/v1/session/two-factor",
            serde_json::json!({"code": "123456"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let me: Me = server.get("/api/v1/session").await;
    assert!(!me.two_factor_enrolled);
    // The failed guess is in the audit log as one.
    let audit: Page<AuditEntry> = server
        .get("/api/v1/audit?action=session.sign_in_failed")
        .await;
    assert!(
        audit
            .items
            .iter()
            .any(|entry| entry.target.as_deref() == Some(dataset::DEMO_ADMIN_EMAIL)),
        "{:?}",
        audit.items
    );
}

/// A session alone must not try every code until one binds its holder's app: twenty guesses at
/// once at the code that confirms a set-up get the sign-in throttle's free tries and no more. Once
/// confirmed, the person's other sessions (one taken before, say) end; this one stays.
#[tokio::test]
async fn confirming_a_set_up_is_throttled_and_ends_the_other_sessions() {
    let mut elsewhere = anonymous_demo_server().await;
    elsewhere.sign_in_as(dataset::DEMO_ADMIN_EMAIL).await;
    let mut server = elsewhere.another_client();
    server.sign_in_as(dataset::DEMO_ADMIN_EMAIL).await;
    let (status, body) = server
        .post_json(
            "/api/v1/session/two-factor/setup",
            serde_json::json!({"current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let setup: TwoFactorSetup = serde_json::from_value(body).expect("setup");
    let email = dataset::DEMO_ADMIN_EMAIL;
    let now = server.now();
    let right: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .filter_map(|at| two_factor::code_at(&setup.secret, email, *at))
        .collect();
    let guesses = (100_000..)
        .map(|n: u32| n.to_string())
        .filter(|guess| !right.contains(guess))
        .take(20)
        .map(|guess| serde_json::json!({ "code": guess }));
    let statuses = posts_at_once(&server, "/api/v1/session/two-factor", guesses.collect()).await;
    assert_throttled(&statuses, StatusCode::UNPROCESSABLE_ENTITY);
    let tried = count(&statuses, StatusCode::UNPROCESSABLE_ENTITY);
    let me: Me = server.get("/api/v1/session").await;
    assert!(!me.two_factor_enrolled);
    let failures: Page<AuditEntry> = server
        .get("/api/v1/audit?action=session.sign_in_failed")
        .await;
    assert_eq!(failures.items.len(), tried, "{:?}", failures.items);

    // After the pause the right code enrols; the other session is over, this one goes on.
    server.advance(15 * 60);
    let code = two_factor::code_at(&setup.secret, email, server.now()).unwrap_or_default();
    let (status, body) = server
        .post_json(
            "/api/v1/session/two-factor",
            serde_json::json!({ "code": code }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = elsewhere.get_error("/api/v1/session").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let me: Me = server.get("/api/v1/session").await;
    assert!(me.two_factor_enrolled);
}

#[tokio::test]
async fn a_user_required_to_use_two_factor_must_enrol_before_anything_else() {
    let required = member_owing_enrolment();
    let mut server = anonymous_demo_server().await;
    server.sign_in_as(&required).await;
    let me: Me = server.get("/api/v1/session").await;
    assert!(me.must_enrol_two_factor && !me.two_factor_enrolled);
    let (status, error) = server.get_error("/api/v1/organization").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        error.error.code,
        roster_model::ErrorCode::TwoFactorEnrolmentRequired
    );

    // Confirming needs a set-up first.
    let (status, _) = server
        .post_json(
            "/api/v1/session/two-factor",
            serde_json::json!({"code": "123456"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, body) = server
        .post_json(
            "/api/v1/session/two-factor/setup",
            serde_json::json!({"current_password": PASSWORD}),
        )
        .await;
    let setup: TwoFactorSetup = serde_json::from_value(body).expect("setup");
    let code = two_factor::code_at(&setup.secret, &required, NOW).unwrap_or_default();
    let (status, body) = server
        .post_json(
            "/api/v1/session/two-factor",
            serde_json::json!({"code": code}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let _: roster_model::Organization = server.get("/api/v1/organization").await;

    // The next sign-in asks for a code of the new secret.
    server.advance(30);
    let (_, _, body) = server.post_sign_in(&required, PASSWORD).await;
    assert_eq!(body["error"]["code"], "two_factor_code_required");
    let code = two_factor::code_at(&setup.secret, &required, NOW + 30).unwrap_or_default();
    let (status, _, body) = server
        .post_sign_in_with_code(&required, PASSWORD, Some(&code))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn an_admin_resets_a_lost_second_factor_and_the_person_signs_in_with_their_password() {
    let server = demo_server().await;
    let mut person = server.another_client();
    person.sign_in_as(ENROLLED).await;
    let enrolled = id_of(ENROLLED);

    // Nobody resets their own; someone else's is reset once, ending their sessions.
    let (status, body) = person
        .act("POST", enrolled, "reset-two-factor", json())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = server
        .act("POST", enrolled, "reset-two-factor", json())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["two_factor"]["enrolled"], false);
    let (status, _, _) = person.send_json("GET", "/api/v1/session", &[], None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "signed out everywhere");
    // They hear of it at once (were it not their lost phone, they would want to).
    let told = delivered_messages(&server, ENROLLED).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains("Subject: Your Roster two-factor sign-in for Northwind Labs was reset")
            && told[0].contains(
                "Maya Chen (maya.chen@northwind.example), an administrator of Northwind Labs"
            ),
        "{}",
        told[0]
    );
    let (status, body) = server
        .act("POST", enrolled, "reset-two-factor", json())
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &serde_json::json!("two_factor")
        ),
        "{body}"
    );
    assert_eq!(
        delivered_messages(&server, ENROLLED).await.len(),
        1,
        "nothing reset, nothing told"
    );

    // The app's codes and the recovery codes are forgotten: the password alone signs in, and
    // the set-up is asked for again where the organization requires it.
    let mut db = database(&server).await;
    let forgotten = format!(
        "SELECT COUNT(*) FROM users WHERE id = {enrolled} AND totp_secret IS NULL \
         AND totp_last_step IS NULL AND totp_enrolled = 0"
    );
    assert_eq!(scalar(&mut db, &forgotten).await, 1);
    let codes = format!("SELECT COUNT(*) FROM recovery_codes WHERE user_id = {enrolled}");
    assert_eq!(scalar(&mut db, &codes).await, 0);
    let (status, _, body) = person.post_sign_in(ENROLLED, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let me: Me = serde_json::from_value(body).expect("me");
    assert!(!me.two_factor_enrolled);
    assert_eq!(
        me.must_enrol_two_factor,
        me_required(&server, enrolled).await
    );

    let log: Page<AuditEntry> = server
        .get("/api/v1/audit?action=user.two_factor_reset")
        .await;
    assert_eq!(log.items.len(), 1);
    let name = server.detail(enrolled).await.0.display_name();
    assert_eq!(log.items[0].target.as_deref(), Some(name.as_str()));
}

fn json() -> serde_json::Value {
    serde_json::json!({})
}

/// Whether the organization requires two-factor sign-in of `id`.
async fn me_required(server: &TestServer, id: i64) -> bool {
    server.detail(id).await.0.two_factor.required
}

/// A hurried admin's double click, or two admins at once: twenty resets of one person's
/// two-factor sign-in with the same version make one reset, one audit event and one mail; the
/// others are told the user changed meanwhile (412) or, read after it, that there is nothing left
/// to reset (422).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_resets_of_one_second_factor_at_once_reset_it_once() {
    let server = demo_server().await;
    let enrolled = id_of(ENROLLED);
    let (_, tag) = server.detail(enrolled).await;
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let client = server.clone_signed_in();
        let tag = tag.clone();
        racers.spawn(async move {
            let uri = format!("/api/v1/users/{enrolled}/reset-two-factor");
            let (status, _, _) = client
                .send_json("POST", &uri, &[("if-match", tag.as_str())], Some(json()))
                .await;
            status
        });
    }
    let statuses = racers.join_all().await;
    let done = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(done, 1, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| matches!(
            *s,
            StatusCode::OK | StatusCode::PRECONDITION_FAILED | StatusCode::UNPROCESSABLE_ENTITY
        )),
        "{statuses:?}"
    );
    let log: Page<AuditEntry> = server
        .get("/api/v1/audit?action=user.two_factor_reset")
        .await;
    assert_eq!(log.items.len(), 1);
    assert_eq!(delivered_messages(&server, ENROLLED).await.len(), 1);
}
