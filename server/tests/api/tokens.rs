//! API tokens: created in the console by Owners, expiring, and ended with their creator's credentials
//! or standing.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use roster_model::{Page, DELETE_CONSEQUENCES, REMOVE_CONSEQUENCES};
use roster_server::{dataset, two_factor};

#[tokio::test]
async fn owners_create_bearer_tokens_that_act_as_them_until_revoked() {
    let server = demo_server().await;
    let (status, created) = server
        .post_json(
            "/api/v1/tokens",
            serde_json::json!({"name": "  ", "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), &created["error"]["field"]),
        (422, &serde_json::json!("name"))
    );
    let (status, created) = server
        .post_json(
            "/api/v1/tokens",
            serde_json::json!({"name": "Provisioning script", "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    assert!(secret.starts_with("roster_"));
    let id = created["token"]["id"].as_i64().expect("an id");

    let listed: Vec<roster_model::ApiToken> = server.get("/api/v1/tokens").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "Provisioning script");
    assert_eq!(
        listed[0].created_by.as_ref().map(|u| u.name.as_str()),
        Some("Maya Chen")
    );
    let listing = serde_json::to_string(&listed).expect("json");
    assert!(
        !listing.contains(&secret),
        "the secret is shown once, at creation"
    );

    // The token works without any cookie (and so without the anti-forgery header).
    let bearer = server.another_client();
    let with_token = |uri: &str| {
        Request::get(uri)
            .header("authorization", format!("Bearer {secret}"))
            .body(Body::empty())
            .expect("request")
    };
    let response = bearer.send(with_token("/api/v1/users?limit=1")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = bearer.send(with_token("/api/v1/session")).await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "a token is not a browser session"
    );
    let wrong = Request::get("/api/v1/users")
        .header("authorization", "Bearer roster_not-a-token")
        .body(Body::empty())
        .expect("request");
    assert_eq!(bearer.send(wrong).await.status(), StatusCode::UNAUTHORIZED);

    let revoke = |id: i64| {
        Request::delete(format!("/api/v1/tokens/{id}"))
            .header(roster_model::CSRF_HEADER, "1")
            .body(Body::empty())
            .expect("request")
    };
    assert_eq!(
        server.send(revoke(id)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server.send(revoke(id)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bearer.send(with_token("/api/v1/users")).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let log: Page<roster_model::AuditEntry> = server.get("/api/v1/audit?actor=maya").await;
    let token_events: Vec<(&str, Option<&str>)> = log
        .items
        .iter()
        .filter(|e| e.action.starts_with("token."))
        .map(|e| (e.action.as_str(), e.target.as_deref()))
        .collect();
    assert_eq!(
        token_events,
        [
            ("token.revoked", Some("Provisioning script")),
            ("token.created", Some("Provisioning script"))
        ]
    );
}

#[tokio::test]
async fn only_owners_manage_tokens() {
    let mut admin = anonymous_demo_server().await;
    admin.sign_in_as("daniel.okafor@northwind.example").await;
    let (status, body) = admin
        .post_json(
            "/api/v1/tokens",
            serde_json::json!({"name": "x", "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::FORBIDDEN, &serde_json::json!("forbidden"))
    );
    let (status, _) = admin.get_error("/api/v1/tokens").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut member = anonymous_demo_server().await;
    member.sign_in_as(MEMBER).await;
    let (status, _) = member.get_error("/api/v1/tokens").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
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
                serde_json::json!({"name": "x", "expires_in_days": days, "current_password": PASSWORD}),
            )
            .await;
        assert_eq!(
            (status, &body["error"]["field"]),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                &serde_json::json!("expires_in_days")
            )
        );
    }

    // A token cannot create tokens.
    let request = Request::post("/api/v1/tokens")
        .header("authorization", format!("Bearer {default}"))
        .header("content-type", "application/json")
        .header(roster_model::CSRF_HEADER, "1")
        .body(Body::from(
            serde_json::json!({"name": "minted", "current_password": PASSWORD}).to_string(),
        ))
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
async fn an_owner_s_tokens_do_nothing_while_they_owe_a_two_factor_enrolment() {
    let owner = demo_server().await;
    owner.promote(MEMBER).await;
    let mut sam = owner.another_client();
    sam.sign_in_as(MEMBER).await;
    let token = sam.new_token(serde_json::json!({"name": "sam"})).await;
    assert_eq!(owner.status_with_token(&token).await, StatusCode::OK);

    let (status, answer) = owner
        .post_json(
            "/api/v1/users/bulk",
            serde_json::json!({"action": "require_two_factor", "ids": [id_of(MEMBER)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["ok"], true, "{answer}");
    let bearer = format!("Bearer {token}");
    let (status, _, error) = owner
        .send_json("GET", "/api/v1/users", &[("authorization", &bearer)], None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    assert_eq!(error["error"]["code"], "two_factor_enrolment_required");
    // The list says why it does nothing.
    let awaits = |tokens: Vec<roster_model::ApiToken>| {
        tokens
            .iter()
            .find(|t| t.name == "sam")
            .map(|t| t.awaits_two_factor)
    };
    assert_eq!(awaits(owner.get("/api/v1/tokens").await), Some(true));

    // Enrolled, the same token works again: it was paused, not ended.
    let (_, body) = sam
        .post_json(
            "/api/v1/session/two-factor/setup",
            serde_json::json!({"current_password": PASSWORD}),
        )
        .await;
    let setup: roster_model::TwoFactorSetup = serde_json::from_value(body).expect("setup");
    let code = two_factor::code_at(&setup.secret, MEMBER, sam.now()).expect("code");
    let (status, body) = sam
        .post_json(
            "/api/v1/session/two-factor",
            serde_json::json!({"code": code}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(owner.status_with_token(&token).await, StatusCode::OK);
    assert_eq!(awaits(owner.get("/api/v1/tokens").await), Some(false));
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

/// Whoever holds an Owner's session alone (a console left open, a stolen cookie) cannot mint a
/// token that outlives it: creating one asks for the password again, throttled as sign-in is.
#[tokio::test]
async fn a_token_is_created_only_with_the_owner_s_password() {
    let owner = demo_server().await;
    let attempt = |password: &'static str| {
        owner.post_json(
            "/api/v1/tokens",
            serde_json::json!({"name": "left open", "current_password": password}),
        )
    };
    let (status, body) = attempt("not the password").await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &serde_json::json!("current_password")
        ),
        "{body}"
    );
    let listed: Vec<roster_model::ApiToken> = owner.get("/api/v1/tokens").await;
    assert!(listed.is_empty(), "no token was made");
    // Guessing is throttled like sign-in: the right password waits too once it has begun.
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(attempt("still not it").await.0);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert_eq!(attempt(PASSWORD).await.0, StatusCode::TOO_MANY_REQUESTS);
    let listed: Vec<roster_model::ApiToken> = owner.get("/api/v1/tokens").await;
    assert!(listed.is_empty());
}

/// Guesses at the password asked again, sent at once, get no more tries than sent one at a time:
/// each is reserved under the write lock before its hash is checked, as sign-in's are.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_guesses_at_once_through_token_creation_stay_within_the_throttle() {
    let owner = demo_server().await;
    let guesses = (0..20)
        .map(|i| serde_json::json!({"name": "guess", "current_password": format!("guess {i}")}));
    let statuses = posts_at_once(&owner, "/api/v1/tokens", guesses.collect()).await;
    assert_throttled(&statuses, StatusCode::UNPROCESSABLE_ENTITY);
    let listed: Vec<roster_model::ApiToken> = owner.get("/api/v1/tokens").await;
    assert!(listed.is_empty());
}
