//! An administrator's password reset: the old password stops working at once, and the person
//! chooses a new one through a single-use, expiring link mailed to them.

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{
    AuditEntry, LinkState, Page, PasswordResetPreview, PASSWORD_RESET_SECONDS, REMOVE_CONSEQUENCES,
};
use roster_server::{dataset, two_factor};

const NEW_PASSWORD: &str = "a brand new passphrase";

impl TestServer {
    /// Resets `email`'s password as the signed-in admin; answers the token of the mailed link.
    async fn reset(&self, email: &str) -> String {
        let (status, body) = self
            .act(
                "POST",
                id_of(email),
                "reset-password",
                serde_json::json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        delivered_links_to(self, email, "/password/")
            .await
            .pop()
            .expect("a set-password link")
    }

    async fn preview_reset(&self, token: &str) -> (StatusCode, serde_json::Value) {
        let (status, _, body) = self
            .send_json(
                "GET",
                &format!("/api/v1/password-resets/{token}"),
                &[],
                None,
            )
            .await;
        (status, body)
    }

    async fn complete_reset(
        &self,
        token: &str,
        password: &str,
        code: Option<&str>,
    ) -> (StatusCode, Option<String>, serde_json::Value) {
        let (status, headers, body) = self
            .send_json(
                "POST",
                "/api/v1/password-resets/complete",
                &[],
                Some(serde_json::json!({"token": token, "password": password, "code": code})),
            )
            .await;
        let cookie = headers
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(|c| c.split(';').next().unwrap_or_default().to_owned());
        (status, cookie, body)
    }
}

#[tokio::test]
async fn the_old_password_dies_at_the_reset_and_the_link_sets_a_new_one_once() {
    let owner = demo_server().await;
    let mut sam = owner.another_client();
    sam.sign_in_as(MEMBER).await;
    let token = owner.reset(MEMBER).await;

    let (status, _) = sam.get_error("/api/v1/session").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "their sessions ended");
    let visitor = owner.another_client();
    let (status, _, _) = visitor.post_sign_in(MEMBER, PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old password is useless at once"
    );

    let (status, preview) = visitor.preview_reset(&token).await;
    assert_eq!(status, StatusCode::OK);
    let preview: PasswordResetPreview = serde_json::from_value(preview).expect("preview");
    assert_eq!(preview.state, LinkState::Pending);
    assert_eq!(preview.email.as_deref(), Some(MEMBER));
    assert_eq!(preview.organization.as_deref(), Some("Northwind Labs"));
    assert!(!preview.two_factor);
    assert_eq!(
        preview.expires_at,
        Some(owner.now() + PASSWORD_RESET_SECONDS)
    );

    let (status, _, body) = visitor.complete_reset(&token, "short", None).await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &serde_json::json!("password")
        )
    );
    let (status, _, body) = visitor.complete_reset(&token, MEMBER, None).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the email is no password: {body}"
    );

    let (status, cookie, me) = visitor.complete_reset(&token, NEW_PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["email"], MEMBER);
    let mut signed_in = visitor.another_client();
    signed_in.cookie = cookie;
    let me: roster_model::Me = signed_in.get("/api/v1/session").await;
    assert_eq!(me.user.email, MEMBER);

    // Used: the link now shows only that, and works no more.
    let (_, preview) = visitor.preview_reset(&token).await;
    assert_eq!(
        preview,
        serde_json::json!({"state": "used", "two_factor": false})
    );
    let (status, _, body) = visitor
        .complete_reset(&token, "yet another passphrase", None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    let (status, _, _) = visitor.post_sign_in(MEMBER, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let log: Page<AuditEntry> = owner.get("/api/v1/audit?action=user.password_set").await;
    assert_eq!(log.total, 1);
    assert_eq!(log.items[0].actor, "Sam Taylor");
}

#[tokio::test]
async fn only_the_newest_link_works_and_links_expire() {
    let owner = demo_server().await;
    let first = owner.reset(MEMBER).await;
    let second = owner.reset(MEMBER).await;
    assert_ne!(first, second);
    let visitor = owner.another_client();
    let (status, _) = visitor.preview_reset(&first).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a newer reset replaced the older link"
    );

    owner.advance(PASSWORD_RESET_SECONDS);
    let (status, preview) = visitor.preview_reset(&second).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        preview,
        serde_json::json!({"state": "expired", "two_factor": false})
    );
    let (status, _, body) = visitor.complete_reset(&second, NEW_PASSWORD, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("expired"));
}

#[tokio::test]
async fn twenty_racing_uses_of_one_link_set_one_password() {
    let owner = demo_server().await;
    let token = owner.reset(MEMBER).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let client = owner.another_client();
            let token = token.clone();
            tokio::spawn(async move {
                client
                    .complete_reset(&token, &format!("{NEW_PASSWORD} {i}"), None)
                    .await
                    .0
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(won, 1, "{statuses:?}");
    // The others learn the link was used, or — past the bound on parallel password hashing — that
    // the server is busy.
    assert!(
        statuses.iter().all(|s| [
            StatusCode::OK,
            StatusCode::CONFLICT,
            StatusCode::SERVICE_UNAVAILABLE
        ]
        .contains(s)),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_user_with_two_factor_gives_a_code_and_wrong_codes_are_throttled() {
    let owner = demo_server().await;
    let person = dataset::DEMO_TWO_FACTOR_EMAIL;
    let token = owner.reset(person).await;
    let visitor = owner.another_client();
    let (_, preview) = visitor.preview_reset(&token).await;
    assert_eq!(preview["two_factor"], true);

    let (status, _, body) = visitor.complete_reset(&token, NEW_PASSWORD, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "two_factor_code_required");
    let secret = two_factor::demo_secret(person);
    let right = two_factor::code_at(&secret, person, owner.now()).expect("code");
    let wrong = (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|code| two_factor::matching_step(&secret, person, code, owner.now(), None).is_none())
        .expect("a wrong code");
    for _ in 0..roster_server::auth::FREE_FAILURES_PER_ACCOUNT {
        let (status, _, body) = visitor
            .complete_reset(&token, NEW_PASSWORD, Some(&wrong))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"]["field"], "code");
    }
    let (status, _, _) = visitor
        .complete_reset(&token, NEW_PASSWORD, Some(&right))
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "guessing codes here is throttled like sign-in"
    );
    owner.advance(2);
    let right = two_factor::code_at(&secret, person, owner.now()).expect("code");
    let (status, _, body) = visitor
        .complete_reset(&token, NEW_PASSWORD, Some(&right))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_reset_ends_the_pause_that_failed_sign_ins_began() {
    let owner = demo_server().await;
    let visitor = owner.another_client();
    for _ in 0..10 {
        visitor.post_sign_in(MEMBER, "guess").await;
    }
    let (status, _, _) = visitor.post_sign_in(MEMBER, PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let token = owner.reset(MEMBER).await;
    let (status, _, body) = visitor.complete_reset(&token, NEW_PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) = visitor.post_sign_in(MEMBER, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "no pause left to wait out: {body}");
}

#[tokio::test]
async fn a_removed_user_s_link_stops_working() {
    let owner = demo_server().await;
    let token = owner.reset(MEMBER).await;
    let request = owner.leave_request(MEMBER, &REMOVE_CONSEQUENCES).await;
    let (status, body) = owner.act("POST", id_of(MEMBER), "remove", request).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = owner.another_client().preview_reset(&token).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the organization controls the user no more"
    );
}

#[tokio::test]
async fn no_sign_in_under_way_outlives_the_reset() {
    // Sign-ins with the old password race the reset: those whose password was checked before
    // it committed and whose session would start after it must start none, as those that
    // started before it lose theirs.
    let owner = demo_server().await;
    let signing_in: Vec<_> = (0..24)
        .map(|_| {
            let client = owner.another_client();
            tokio::spawn(async move { client.post_sign_in(MEMBER, PASSWORD).await })
        })
        .collect();
    owner.reset(MEMBER).await;
    let (mut opened, mut refused) = (0, 0u64);
    for task in signing_in {
        let (status, cookie, body) = task.await.expect("task");
        if status == StatusCode::UNAUTHORIZED {
            refused += 1;
        }
        if status != StatusCode::OK {
            continue;
        }
        opened += 1;
        let mut holder = owner.another_client();
        holder.cookie = cookie.map(|c| c.split(';').next().unwrap_or_default().to_owned());
        let (status, _, _) = holder.get_raw("/api/v1/session").await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "a session outlived the reset: {body}"
        );
    }
    // Each refusal is in the log: a wrong password now, or one that changed while it was
    // checked (reason `password_changed`).
    let failures: Page<AuditEntry> = owner
        .get("/api/v1/audit?action=session.sign_in_failed&limit=100")
        .await;
    assert_eq!(failures.total, refused, "every refused sign-in is recorded");
    eprintln!("{opened} sign-ins opened a session before the reset, {refused} were refused");
}

#[tokio::test]
async fn a_bulk_reset_mails_the_address_the_user_has_when_it_is_made() {
    // An identity provider changes the member's email while a bulk reset waits for the write
    // lock: the link goes to the new address, never to the old one (someone else's now, maybe).
    let owner = demo_server().await;
    let user_id = id_of(MEMBER);
    let renamed = "sam.renamed@northwind.example";
    let change = format!("UPDATE users SET email = '{renamed}' WHERE id = {user_id}");
    let (status, body) = post_queued_behind(
        &owner,
        &[&change],
        owner.clone_signed_in(),
        "/api/v1/users/bulk",
        serde_json::json!({"action": "reset_password", "ids": [user_id]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["ok"], true, "{body}");
    assert_eq!(
        delivered_links_to(&owner, renamed, "/password/")
            .await
            .len(),
        1
    );
    assert!(delivered_links_to(&owner, MEMBER, "/password/")
        .await
        .is_empty());
}
