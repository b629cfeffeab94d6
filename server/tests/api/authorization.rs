//! Who may call what: every route refuses the signed-out, Members and other organizations as it
//! should, and only changes from allowed callers reach the rules behind them.

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{ErrorCode, Organization, DELETE_CONSEQUENCES, REMOVE_CONSEQUENCES};

const MANAGEMENT_ROUTES: [&str; 7] = [
    "/api/v1/audit",
    "/api/v1/users",
    "/api/v1/users?view=invited",
    "/api/v1/users/counts",
    "/api/v1/users/1",
    "/api/v1/accounts",
    "/api/v1/domains",
];

#[tokio::test]
async fn every_route_but_health_and_sign_in_needs_a_session() {
    let server = anonymous_demo_server().await;
    for uri in MANAGEMENT_ROUTES
        .into_iter()
        .chain(["/api/v1/organization", "/api/v1/session"])
    {
        let (status, body) = server.get_error(uri).await;
        assert_eq!(
            (status, body.error.code),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            "{uri}"
        );
    }
    let (status, _, _) = server.get_raw("/api/v1/health").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn members_are_signed_in_but_manage_nobody() {
    let mut server = anonymous_demo_server().await;
    server.sign_in_as(MEMBER).await;
    let me: roster_model::Me = server.get("/api/v1/session").await;
    assert_eq!(me.role, roster_model::OrgRole::Member);
    assert!(!me.manages_users);
    assert_eq!(me.organization.name, "Northwind Labs");
    let _: Organization = server.get("/api/v1/organization").await;
    for uri in MANAGEMENT_ROUTES {
        let (status, body) = server.get_error(uri).await;
        assert_eq!(
            (status, body.error.code),
            (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            "{uri}"
        );
    }
}

/// Every API route × every kind of caller: anonymous, Member, Administrator, Owner, and an Owner of
/// another organization. Statuses must match, and no answer to the outsider names a Northwind person.
#[tokio::test]
async fn authorization_matrix() {
    let owner = demo_server().await;
    let shared = owner.another_client();
    let caller_as = |email: Option<&'static str>| {
        let mut server = shared.another_client();
        async move {
            if let Some(email) = email {
                server.sign_in_as(email).await;
            }
            server
        }
    };
    let callers = [
        ("anonymous", caller_as(None).await),
        ("member", caller_as(Some(MEMBER)).await),
        (
            "administrator",
            caller_as(Some("daniel.okafor@northwind.example")).await,
        ),
        ("owner", owner),
        (
            "other organization",
            caller_as(Some("hank.scorpio@globex.example")).await,
        ),
    ];
    let maya = demo_as_inserted()
        .users
        .iter()
        .find(|u| u.email == OWNER)
        .map(|u| u.id)
        .expect("Maya");
    let northwind_invitation = demo_as_inserted()
        .invitations
        .iter()
        .find(|i| i.org_id == 1)
        .map(|i| i.id)
        .expect("an invitation");
    let (status, token) = callers[3]
        .1
        .post_json(
            "/api/v1/tokens",
            serde_json::json!({"name": "matrix", "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let token_id = token["token"]["id"].as_i64().expect("token id");

    // (method, path, body, expected for: anonymous, member, administrator, owner, other organization)
    let bad_password =
        serde_json::json!({"current_password": "wrong", "new_password": "whatever it is now"});
    let user = format!("/api/v1/users/{maya}");
    let token_path = format!("/api/v1/tokens/{token_id}");
    let [user_reset, user_two_factor, user_reset_two_factor, user_access, user_remove, user_delete] =
        [
            "reset-password",
            "two-factor",
            "reset-two-factor",
            "access",
            "remove",
            "delete",
        ]
        .map(|action| format!("/api/v1/users/{maya}/{action}"));
    let matrix: Vec<(&str, &str, Option<serde_json::Value>, [u16; 5])> = vec![
        ("GET", "/api/v1/health", None, [200, 200, 200, 200, 200]),
        ("GET", "/api/v1/session", None, [401, 200, 200, 200, 200]),
        (
            "GET",
            "/api/v1/organization",
            None,
            [401, 200, 200, 200, 200],
        ),
        ("GET", "/api/v1/users", None, [401, 403, 200, 200, 200]),
        (
            "GET",
            "/api/v1/users?view=external",
            None,
            [401, 403, 200, 200, 200],
        ),
        (
            "GET",
            "/api/v1/users?view=invited",
            None,
            [401, 403, 200, 200, 200],
        ),
        (
            "GET",
            "/api/v1/users?view=imported",
            None,
            [401, 403, 200, 200, 200],
        ),
        (
            "GET",
            "/api/v1/users/counts",
            None,
            [401, 403, 200, 200, 200],
        ),
        ("GET", &user, None, [401, 403, 200, 200, 404]),
        ("GET", "/api/v1/accounts", None, [401, 403, 200, 200, 200]),
        ("GET", "/api/v1/domains", None, [401, 403, 200, 200, 200]),
        ("GET", "/api/v1/audit", None, [401, 403, 200, 200, 200]),
        ("GET", "/api/v1/tokens", None, [401, 403, 403, 200, 200]),
        (
            "POST",
            "/api/v1/tokens",
            Some(serde_json::json!({"name": "x", "current_password": PASSWORD})),
            [401, 403, 403, 201, 201],
        ),
        (
            "POST",
            "/api/v1/session/password",
            Some(bad_password),
            [401, 422, 422, 422, 422],
        ),
        (
            "POST",
            "/api/v1/session/two-factor/setup",
            Some(serde_json::json!({"current_password": PASSWORD})),
            [401, 200, 409, 200, 200],
        ),
        (
            "POST",
            "/api/v1/session/two-factor",
            Some(serde_json::json!({"code": "000000"})),
            [401, 422, 409, 422, 422],
        ),
        (
            "POST",
            "/api/v1/invitations/check",
            Some(serde_json::json!({"emails": ["probe@nowhere.example"]})),
            [401, 403, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/invitations",
            Some(serde_json::json!({"emails": ["probe@nowhere.example"]})),
            [401, 403, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/invitations/resend",
            Some(serde_json::json!({"ids": [northwind_invitation]})),
            [401, 403, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/invitations/revoke",
            Some(serde_json::json!({"ids": [999_999]})),
            [401, 403, 200, 200, 200],
        ),
        (
            "GET",
            "/api/v1/invitations/token/not-a-token",
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            "POST",
            "/api/v1/invitations/accept",
            Some(serde_json::json!({"token": "not-a-token", "password": "x"})),
            [404, 404, 404, 404, 404],
        ),
        // Changes to Maya (an Owner, and the signed-in Owner herself) carry her current ETag, so
        // each answer shows the check that decided it: an Administrator may not change an Owner,
        // nobody resets, removes or deletes themselves, and another organization finds nobody.
        (
            "PATCH",
            &user,
            Some(serde_json::json!({"given_name": "Maya"})),
            [401, 403, 409, 200, 404],
        ),
        ("POST", &user_reset, None, [401, 403, 409, 409, 404]),
        (
            "POST",
            &user_reset_two_factor,
            None,
            [401, 403, 409, 409, 404],
        ),
        (
            "PUT",
            &user_two_factor,
            Some(serde_json::json!({"required": true})),
            [401, 403, 409, 409, 404],
        ),
        (
            "PUT",
            &user_access,
            Some(serde_json::json!({"accounts": []})),
            [401, 403, 409, 422, 404],
        ),
        (
            "POST",
            &user_remove,
            Some(serde_json::json!({"acknowledged": acknowledged(&REMOVE_CONSEQUENCES)})),
            [401, 403, 409, 409, 404],
        ),
        (
            "POST",
            &user_delete,
            Some(serde_json::json!({"acknowledged": acknowledged(&DELETE_CONSEQUENCES)})),
            [401, 403, 409, 409, 404],
        ),
        (
            "GET",
            "/api/v1/users/ids?q=a",
            None,
            [401, 403, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/users/bulk",
            Some(serde_json::json!({"action": "require_two_factor", "ids": [999_999]})),
            [401, 403, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/domains",
            Some(serde_json::json!({"name": "gmail.com"})),
            [401, 403, 422, 422, 422],
        ),
        (
            "POST",
            "/api/v1/domains/999999/verify",
            None,
            [401, 403, 404, 404, 404],
        ),
        (
            "DELETE",
            "/api/v1/domains/999999",
            None,
            [401, 403, 404, 404, 404],
        ),
        ("GET", "/api/v1/accounts/1", None, [401, 403, 200, 200, 404]),
        (
            "GET",
            "/api/v1/accounts/1/users",
            None,
            [401, 403, 200, 200, 404],
        ),
        (
            "GET",
            "/api/v1/accounts/1/invitations",
            None,
            [401, 403, 200, 200, 404],
        ),
        (
            "POST",
            "/api/v1/accounts/1/invitations",
            Some(serde_json::json!({"emails": [], "roles": ["support"]})),
            [401, 403, 422, 422, 404],
        ),
        (
            "PUT",
            "/api/v1/accounts/1/users/999999",
            Some(serde_json::json!({"roles": ["support"]})),
            [401, 403, 404, 404, 404],
        ),
        (
            "DELETE",
            "/api/v1/accounts/1/users/999999",
            None,
            [401, 403, 404, 404, 404],
        ),
        (
            "DELETE",
            "/api/v1/users/999999/access",
            None,
            [401, 403, 404, 404, 404],
        ),
        (
            "GET",
            "/api/v1/import/candidates",
            None,
            [401, 403, 200, 200, 403],
        ),
        (
            "POST",
            "/api/v1/import",
            Some(serde_json::json!({"ids": [999_999]})),
            [401, 403, 200, 200, 403],
        ),
        ("DELETE", &token_path, None, [401, 403, 403, 204, 404]),
    ];
    // Run in the order: everyone but the owner, then the owner (whose DELETE revokes the token).
    for (method, path, body, expected) in &matrix {
        for index in [0, 1, 2, 4, 3] {
            let (who, server) = &callers[index];
            let changes_maya = *method != "GET" && path.starts_with(user.as_str());
            let version = if changes_maya {
                let (_, headers, _) = callers[3].1.send_json("GET", &user, &[], None).await;
                headers
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            } else {
                None
            };
            let headers: Vec<(&str, &str)> = version
                .as_deref()
                .map(|tag| vec![("if-match", tag)])
                .unwrap_or_default();
            let (status, _, answer) = server.send_json(method, path, &headers, body.clone()).await;
            let status = status.as_u16();
            let text = answer.to_string();
            assert_eq!(status, expected[index], "{method} {path} as {who}: {text}");
            if index == 4 {
                assert!(
                    !text.contains("@northwind.example")
                        && !text.contains("@northwindlabs.example"),
                    "{method} {path} showed Northwind people to another organization: {text}"
                );
            }
        }
    }
}

/// A change that waited for the write lock behind its own admin's demotion or suspension is
/// judged by who they are when it runs, not when it arrived (an attacker's pass found a suspended
/// Owner's queued request making a provisioning token that reinstated her, and a demoted Owner's
/// making another member an Owner).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_queued_behind_its_admins_demotion_or_suspension_changes_nothing() {
    let mut owner = demo_server().await;
    owner.sign_in_as(OWNER).await;
    let admin_email = roster_server::dataset::DEMO_ADMIN_EMAIL;
    owner.promote(admin_email).await;
    let admin = id_of(admin_email);
    let mut signed_in = owner.another_client();
    signed_in.sign_in_as(admin_email).await;
    let mut db = database(&owner).await;
    let no_longer_acts = roster_server::store::NO_LONGER_ACTS;
    let suspend = format!("UPDATE users SET status = 'disabled' WHERE id = {admin}");
    let restore = format!("UPDATE users SET status = 'active' WHERE id = {admin}");

    // Demoted to Administrator while her request to make a member an Owner waits.
    let member = id_of(MEMBER);
    let version = owner.detail(member).await.1;
    let client = signed_in.clone_signed_in();
    let (status, _, body) = queued_behind(
        &owner,
        &[&format!(
            "UPDATE users SET org_role = 'administrator' WHERE id = {admin}"
        )],
        async move {
            client
                .send_json(
                    "PATCH",
                    &format!("/api/v1/users/{member}"),
                    &[("if-match", &version)],
                    Some(serde_json::json!({"org_role": "owner"})),
                )
                .await
        },
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["message"], no_longer_acts);
    let owners = format!("SELECT COUNT(*) FROM users WHERE id = {member} AND org_role = 'owner'");
    assert_eq!(scalar(&mut db, &owners).await, 0);

    // An Owner again, then suspended while her request for a provisioning token waits.
    let made = "SELECT COUNT(*) FROM scim_tokens";
    let tokens = scalar(&mut db, made).await;
    execute(
        &mut db,
        &format!("UPDATE users SET org_role = 'owner' WHERE id = {admin}"),
    )
    .await;
    let (status, body) = post_queued_behind(
        &owner,
        &[&suspend],
        signed_in.clone_signed_in(),
        "/api/v1/scim-tokens",
        serde_json::json!({"name": "kept", "current_password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["message"], no_longer_acts);
    assert_eq!(scalar(&mut db, made).await, tokens, "no token made");

    // Active again, then suspended while her batch of revocations waits: each item says why it
    // was not done, and every invitation is still pending.
    execute(&mut db, &restore).await;
    let pending = "SELECT COUNT(*) FROM invitations WHERE state = 'pending'";
    let before = scalar(&mut db, pending).await;
    let invited = owner.users("view=invited&limit=3").await;
    let ids: Vec<i64> = invited.items.iter().map(|u| u.id).collect();
    let invitation_ids: Vec<i64> = invited
        .items
        .iter()
        .filter_map(|u| u.invitation.as_ref().map(|i| i.id))
        .collect();
    assert_eq!(invitation_ids.len(), ids.len(), "{ids:?}");
    let (status, body) = post_queued_behind(
        &owner,
        &[&suspend],
        signed_in.clone_signed_in(),
        "/api/v1/invitations/revoke",
        serde_json::json!({"ids": invitation_ids}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().expect("results");
    assert_eq!(results.len(), ids.len());
    assert!(
        results
            .iter()
            .all(|r| r["ok"] == false && r["message"] == no_longer_acts),
        "{body}"
    );
    assert_eq!(scalar(&mut db, pending).await, before);

    // Active again, then suspended while her request to suspend a member waits: refused as a
    // single change is (403), not as a rule's conflict.
    execute(&mut db, &restore).await;
    let client = signed_in.clone_signed_in();
    let (status, body) = queued_behind(&owner, &[&suspend], async move {
        client
            .act("POST", member, "suspend", serde_json::json!(null))
            .await
    })
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["message"], no_longer_acts);
    let active = format!("SELECT COUNT(*) FROM users WHERE id = {member} AND status = 'active'");
    assert_eq!(scalar(&mut db, &active).await, 1);
}

/// `client`'s request, on the API token `secret`, to make `member` (read at `version`) an Owner.
async fn made_owner_with_token(
    client: TestServer,
    secret: String,
    member: i64,
    version: String,
) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    client
        .send_json(
            "PATCH",
            &format!("/api/v1/users/{member}"),
            &[
                ("authorization", &format!("Bearer {secret}")),
                ("if-match", &version),
            ],
            Some(serde_json::json!({"org_role": "owner"})),
        )
        .await
}

/// A change that waited for the write lock behind the end of the session or API token it came in
/// on changes nothing either, though the admin's role and status are as they were (a second
/// attacker's pass: an API token revoked, or an Owner's password reset, while requests queued on
/// them; and a password change queued behind an administrator's reset undid the reset).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_queued_behind_the_end_of_its_session_or_token_changes_nothing() {
    let mut owner = demo_server().await;
    owner.sign_in_as(OWNER).await;
    let admin_email = roster_server::dataset::DEMO_ADMIN_EMAIL;
    owner.promote(admin_email).await;
    let admin = id_of(admin_email);
    let member = id_of(MEMBER);
    let mut db = database(&owner).await;
    let no_longer_acts = roster_server::store::NO_LONGER_ACTS;
    let owners = format!("SELECT COUNT(*) FROM users WHERE id = {member} AND org_role = 'owner'");

    // The Owner's API token revoked while a request on it to make a member an Owner waits.
    let secret = owner.new_token(serde_json::json!({"name": "queued"})).await;
    let version = owner.detail(member).await.1;
    let client = owner.another_client();
    let (status, _, body) = queued_behind(
        &owner,
        &["UPDATE api_tokens SET revoked_at = 1 WHERE name = 'queued'"],
        made_owner_with_token(client, secret, member, version),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["message"], no_longer_acts);
    assert_eq!(scalar(&mut db, &owners).await, 0);

    // Two-factor sign-in required of the Owner, who has not set it up, while a request on her
    // API token waits (a fifth attacker's pass: a token's bulk action went on after it).
    let maya = id_of(OWNER);
    let secret = owner.new_token(serde_json::json!({"name": "owes"})).await;
    let version = owner.detail(member).await.1;
    let client = owner.another_client();
    let (status, _, body) = queued_behind(
        &owner,
        &[&format!(
            "UPDATE users SET two_factor_required = 1 WHERE id = {maya} AND totp_secret IS NULL"
        )],
        made_owner_with_token(client, secret, member, version),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["message"], no_longer_acts);
    assert_eq!(scalar(&mut db, &owners).await, 0);
    execute(
        &mut db,
        &format!("UPDATE users SET two_factor_required = 0 WHERE id = {maya}"),
    )
    .await;

    // Her sessions ended by a password reset while her request for a provisioning token waits.
    let mut signed_in = owner.another_client();
    signed_in.sign_in_as(admin_email).await;
    let made = "SELECT COUNT(*) FROM scim_tokens";
    let tokens = scalar(&mut db, made).await;
    let (status, body) = post_queued_behind(
        &owner,
        &[&format!("DELETE FROM sessions WHERE user_id = {admin}")],
        signed_in.clone_signed_in(),
        "/api/v1/scim-tokens",
        serde_json::json!({"name": "kept", "current_password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["message"], no_longer_acts);
    assert_eq!(scalar(&mut db, made).await, tokens, "no token made");

    // A password change queued behind an administrator's reset (which clears the password and
    // ends the sessions) does not undo it.
    let mut changing = owner.another_client();
    changing.sign_in_as(MEMBER).await;
    let (status, body) = post_queued_behind(
        &owner,
        &[
            &format!("UPDATE users SET password_hash = NULL WHERE id = {member}"),
            &format!("DELETE FROM sessions WHERE user_id = {member}"),
        ],
        changing,
        "/api/v1/session/password",
        serde_json::json!({
            "current_password": PASSWORD,
            "new_password": "a queued new passphrase",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let unset = format!("SELECT COUNT(*) FROM users WHERE id = {member} AND password_hash IS NULL");
    assert_eq!(scalar(&mut db, &unset).await, 1, "the reset holds");

    // Two-factor confirmed behind the end of the session that set it up (a reset): no
    // authenticator is bound to the account the reset was for.
    let mut enrolling = owner.another_client();
    enrolling.sign_in_as(admin_email).await;
    let (_, body) = enrolling
        .post_json(
            "/api/v1/session/two-factor/setup",
            serde_json::json!({"current_password": PASSWORD}),
        )
        .await;
    let secret = body["secret"].as_str().expect("a secret").to_owned();
    let code = roster_server::two_factor::code_at(&secret, admin_email, owner.now()).expect("code");
    let (status, body) = post_queued_behind(
        &owner,
        &[&format!("DELETE FROM sessions WHERE user_id = {admin}")],
        enrolling,
        "/api/v1/session/two-factor",
        serde_json::json!({"code": code}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let enrolled = format!("SELECT COUNT(*) FROM users WHERE id = {admin} AND totp_enrolled = 1");
    assert_eq!(scalar(&mut db, &enrolled).await, 0, "nothing enrolled");
}
