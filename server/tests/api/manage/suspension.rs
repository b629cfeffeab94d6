//! Suspend and restore: a suspended member cannot sign in and loses their sessions and tokens at
//! once, keeps their accounts and roles, and comes back as they were; nobody suspends themselves,
//! and the last Owner who can sign in is never suspended, even when two Owners race.

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{AuditEntry, Me, Page, UserStatus};

async fn status_of(server: &TestServer, email: &str) -> UserStatus {
    server.detail(id_of(email)).await.0.status
}

/// Makes the change `action` ("suspend", "restore", "reset-password") to `email` at their
/// current version, and checks it was made.
async fn set(server: &TestServer, email: &str, action: &str) {
    let (status, body) = server
        .act("POST", id_of(email), action, serde_json::json!(null))
        .await;
    assert_eq!(status, StatusCode::OK, "{action}: {body}");
}

/// `password` does not sign `email` in.
async fn assert_password_refused(server: &TestServer, email: &str, password: &str) {
    let (status, _, _) = server.another_client().post_sign_in(email, password).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_suspended_member_cannot_sign_in_keeps_their_access_and_comes_back() {
    let owner = demo_server().await;
    let mut member = owner.another_client();
    member.sign_in_as(MEMBER).await;
    let (before, _) = owner.detail(id_of(MEMBER)).await;
    assert!(!before.accounts.is_empty(), "the demo member has accounts");

    let (status, answer) = owner
        .act("POST", id_of(MEMBER), "suspend", serde_json::json!(null))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "disabled");
    // The session they had ends at once, and signing in again is refused like a wrong password.
    let (status, _) = member.get_error("/api/v1/session").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, body) = member.post_sign_in(MEMBER, PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (after, _) = owner.detail(id_of(MEMBER)).await;
    assert_eq!(after.accounts, before.accounts);
    assert_eq!(after.org_role, before.org_role);

    // Suspending again changes nothing and records nothing.
    let (status, again) = owner
        .act("POST", id_of(MEMBER), "suspend", serde_json::json!(null))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["version"], answer["version"]);

    let (status, restored) = owner
        .act("POST", id_of(MEMBER), "restore", serde_json::json!(null))
        .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["status"], "active");
    member.sign_in_as(MEMBER).await;
    let me: Me = member.get("/api/v1/session").await;
    assert_eq!(me.user.email, MEMBER);
    assert_eq!(
        owner.detail(id_of(MEMBER)).await.0.accounts,
        before.accounts
    );

    let log: Page<AuditEntry> = owner.get("/api/v1/audit?target=sam").await;
    let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "user.suspended").count(),
        1
    );
    assert_eq!(actions.iter().filter(|a| **a == "user.restored").count(), 1);
}

#[tokio::test]
async fn suspension_ends_api_tokens_and_needs_the_version_read() {
    let owner = demo_server().await;
    owner.promote(MEMBER).await;
    let mut member = owner.another_client();
    member.sign_in_as(MEMBER).await;
    let secret = member
        .new_token(serde_json::json!({"name": "deploy", "expires_in_days": 30}))
        .await;
    assert_eq!(owner.status_with_token(&secret).await, StatusCode::OK);

    let (status, _, body) = owner
        .send_json(
            "POST",
            &format!("/api/v1/users/{}/suspend", id_of(MEMBER)),
            &[("if-match", "\"v0\"")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{body}");
    assert_eq!(status_of(&owner, MEMBER).await, UserStatus::Active);

    let (status, body) = owner
        .act("POST", id_of(MEMBER), "suspend", serde_json::json!(null))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        owner.status_with_token(&secret).await,
        StatusCode::UNAUTHORIZED
    );
    // Restored, they sign in again, but the ended token stays ended.
    set(&owner, MEMBER, "restore").await;
    assert_eq!(
        owner.status_with_token(&secret).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn nobody_suspends_themselves_nor_another_organizations_user() {
    let owner = demo_server().await;
    let (status, body) = owner
        .act("POST", id_of(OWNER), "suspend", serde_json::json!(null))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("suspend or restore yourself"));

    let outsider = id_of("hank.scorpio@globex.example");
    let (status, _, body) = owner
        .send_json(
            "POST",
            &format!("/api/v1/users/{outsider}/suspend"),
            &[("if-match", "\"v1\"")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let mut db = database(&owner).await;
    assert_eq!(
        scalar(
            &mut db,
            &format!("SELECT COUNT(*) FROM users WHERE id = {outsider} AND status = 'active'")
        )
        .await,
        1
    );

    // In bulk: the admin is left out with a reason, the others are suspended, then restored.
    let ids = [id_of(OWNER), id_of(MEMBER), outsider];
    let (status, answer) = owner
        .post_json(
            "/api/v1/users/bulk",
            serde_json::json!({"action": "suspend", "ids": ids}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let oks: Vec<bool> = (0..3)
        .map(|i| answer["results"][i]["ok"].as_bool().unwrap_or(true))
        .collect();
    assert_eq!(oks, [false, true, false]);
    assert_eq!(status_of(&owner, MEMBER).await, UserStatus::Disabled);
    assert_eq!(status_of(&owner, OWNER).await, UserStatus::Active);
    let _: Me = owner.get("/api/v1/session").await;
    let (status, answer) = owner
        .post_json(
            "/api/v1/users/bulk",
            serde_json::json!({"action": "restore", "ids": [id_of(MEMBER)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(status_of(&owner, MEMBER).await, UserStatus::Active);
}

#[tokio::test]
async fn two_owners_suspending_each_other_at_once_leave_one_who_can_sign_in() {
    let owner = demo_server().await;
    let owners = scalar(
        &mut database(&owner).await,
        "SELECT COUNT(*) FROM users WHERE org_role = 'owner' AND org_id = (SELECT org_id FROM users WHERE email = 'maya.chen@northwind.example')",
    )
    .await;
    assert_eq!(owners, 1, "the demo has one Owner");
    owner.promote(MEMBER).await;
    let mut other = owner.another_client();
    other.sign_in_as(MEMBER).await;

    let statuses = in_parallel(40, |i| {
        let (by, target) = if i % 2 == 0 {
            (owner.clone_signed_in(), MEMBER)
        } else {
            (other.clone_signed_in(), OWNER)
        };
        async move {
            let (status, _) = by
                .post_json(
                    "/api/v1/users/bulk",
                    serde_json::json!({"action": "suspend", "ids": [id_of(target)]}),
                )
                .await;
            status
        }
    })
    .await;
    assert!(statuses
        .iter()
        .all(|s| *s == StatusCode::OK || *s == StatusCode::UNAUTHORIZED));
    let mut db = database(&owner).await;
    let active_owners = scalar(
        &mut db,
        "SELECT COUNT(*) FROM users WHERE org_role = 'owner' AND status = 'active' AND org_id = (SELECT org_id FROM users WHERE email = 'maya.chen@northwind.example')",
    )
    .await;
    assert_eq!(active_owners, 1);
}

#[tokio::test]
async fn removal_ends_a_suspension_the_organization_could_no_longer_lift() {
    let owner = demo_server().await;
    set(&owner, MEMBER, "suspend").await;
    let body = owner
        .leave_request(MEMBER, &roster_model::REMOVE_CONSEQUENCES)
        .await;
    let (status, answer) = owner.act("POST", id_of(MEMBER), "remove", body).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    // Their password works again (Roster itself is only for members: it says so, not "no match").
    let (status, _, body) = owner.another_client().post_sign_in(MEMBER, PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let mut db = database(&owner).await;
    let active = scalar(
        &mut db,
        &format!(
            "SELECT COUNT(*) FROM users WHERE id = {} AND status = 'active'",
            id_of(MEMBER)
        ),
    )
    .await;
    assert_eq!(active, 1);
}

#[tokio::test]
async fn a_suspended_member_is_not_let_back_in_by_another_organizations_invitation() {
    let owner = demo_server().await;
    // Reset (no password any more) and suspended: the state a compromised account is left in.
    set(&owner, MEMBER, "reset-password").await;
    set(&owner, MEMBER, "suspend").await;
    let mut globex = owner.another_client();
    globex.sign_in_as("hank.scorpio@globex.example").await;
    let accounts: Page<roster_model::AccountSummary> = globex.get("/api/v1/accounts").await;
    let account = accounts.items[0].id;
    let (status, body) = globex
        .post_json(
            &format!("/api/v1/accounts/{account}/invitations"),
            serde_json::json!({"emails": [MEMBER], "roles": ["support"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = delivered_links(&owner, MEMBER)
        .await
        .pop()
        .expect("an invitation mailed");
    let (status, body) = owner
        .another_client()
        .post_json(
            "/api/v1/invitations/accept",
            serde_json::json!({"token": token, "given_name": "Sam", "family_name": "Taylor",
                "password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(status_of(&owner, MEMBER).await, UserStatus::Disabled);
    assert_password_refused(&owner, MEMBER, "a brand new passphrase").await;
}

#[tokio::test]
async fn a_set_password_link_mailed_before_a_suspension_never_works() {
    let owner = demo_server().await;
    set(&owner, MEMBER, "reset-password").await;
    let token = delivered_links_to(&owner, MEMBER, "/password/")
        .await
        .pop()
        .expect("a set-password link");
    set(&owner, MEMBER, "suspend").await;
    set(&owner, MEMBER, "restore").await;
    let (status, body) = owner
        .another_client()
        .post_json(
            "/api/v1/password-resets/complete",
            serde_json::json!({"token": token, "password": "a brand new passphrase"}),
        )
        .await;
    assert!(status.is_client_error(), "{status}: {body}");
    assert_password_refused(&owner, MEMBER, "a brand new passphrase").await;
}

#[tokio::test]
async fn the_active_owner_can_remove_a_suspended_owner() {
    let owner = demo_server().await;
    owner.promote(MEMBER).await;
    set(&owner, MEMBER, "suspend").await;
    assert_eq!(status_of(&owner, MEMBER).await, UserStatus::Disabled);
    let body = owner
        .leave_request(MEMBER, &roster_model::REMOVE_CONSEQUENCES)
        .await;
    let (status, answer) = owner.act("POST", id_of(MEMBER), "remove", body).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    // And the one active Owner still cannot step down.
    let (status, body) = owner
        .patch_as_read(
            id_of(OWNER),
            serde_json::json!({"org_role": "administrator"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn a_suspended_administrator_changes_nothing_more() {
    let owner = demo_server().await;
    owner.promote(MEMBER).await;
    let mut other = owner.another_client();
    other.sign_in_as(MEMBER).await;
    // Read while still an Owner, sent once suspended.
    let (_, tag) = other
        .detail(id_of(roster_server::dataset::DEMO_TWO_FACTOR_EMAIL))
        .await;
    set(&owner, MEMBER, "suspend").await;
    let (status, _, _) = other
        .send_json(
            "POST",
            &format!(
                "/api/v1/users/{}/suspend",
                id_of(roster_server::dataset::DEMO_TWO_FACTOR_EMAIL)
            ),
            &[("if-match", tag.as_str())],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
