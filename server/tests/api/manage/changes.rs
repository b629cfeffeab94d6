//! Changing a member: name and role under the Owner rules, with versions (ETag / If-Match) so
//! concurrent edits never overwrite each other; password reset, two-factor and account access —
//! and who may make each change to whom.

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{
    AuditEntry, OrgRole, Page, UserDetail, DELETE_CONSEQUENCES, REMOVE_CONSEQUENCES,
};
use roster_server::dataset;

#[tokio::test]
async fn a_rename_needs_the_current_version_and_a_stale_one_is_refused() {
    let server = demo_server().await;
    let sam = id_of(MEMBER);
    let (before, tag) = server.detail(sam).await;
    assert_eq!(tag, format!("\"v{}\"", before.version));

    let (status, error) = server
        .patch_user(sam, None, serde_json::json!({"given_name": "Samuel"}))
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{error}");

    let (status, error) = server
        .patch_user(
            sam,
            Some(&tag),
            serde_json::json!({"given_name": " ", "family_name": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error["error"]["field"], "given_name");

    let (status, after) = server
        .patch_user(
            sam,
            Some(&tag),
            serde_json::json!({"given_name": " Samuel "}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    let after: UserDetail = serde_json::from_value(after).expect("detail");
    assert_eq!(after.display_name(), "Samuel Taylor");
    assert_eq!(after.version, before.version + 1);

    // Another admin still holding the old version is refused, and nothing changes.
    let (status, error) = server
        .patch_user(
            sam,
            Some(&tag),
            serde_json::json!({"family_name": "Tailor"}),
        )
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(error["error"]["code"], "stale_version");
    let (now, _) = server.detail(sam).await;
    assert_eq!(now.display_name(), "Samuel Taylor");

    let log: Page<AuditEntry> = server.get("/api/v1/audit?action=user.updated").await;
    assert_eq!(log.items.len(), 1);
    assert_eq!(log.items[0].target.as_deref(), Some("Samuel Taylor"));

    // The new name is what search finds.
    let found: Page<roster_model::UserSummary> = server.get("/api/v1/users?q=samuel").await;
    assert_eq!(found.items.len(), 1);
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn only_owners_touch_owner_and_the_last_owner_stays() {
    let mut owner = demo_server().await;
    let mut admin = owner.another_client();
    admin.sign_in_as(dataset::DEMO_TWO_FACTOR_EMAIL).await;
    let (maya, daniel, sam) = (
        id_of(OWNER),
        id_of(dataset::DEMO_TWO_FACTOR_EMAIL),
        id_of(MEMBER),
    );

    // An Administrator manages Members and Administrators, not Owners.
    let (status, error) = admin
        .patch_as_read(sam, serde_json::json!({"org_role": "owner"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("Only an Owner"));
    let (status, _) = admin
        .patch_as_read(sam, serde_json::json!({"org_role": "administrator"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, tag) = admin.detail(maya).await;
    let (status, _) = admin
        .patch_user(maya, Some(&tag), serde_json::json!({"org_role": "member"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nor can they lock themselves out.
    let (_, tag) = admin.detail(daniel).await;
    let (status, error) = admin
        .patch_user(
            daniel,
            Some(&tag),
            serde_json::json!({"org_role": "member"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("your own"));

    // The only Owner cannot step down until there is another.
    let (_, tag) = owner.detail(maya).await;
    let (status, error) = owner
        .patch_user(
            maya,
            Some(&tag),
            serde_json::json!({"org_role": "administrator"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("last Owner"));
    let (_, daniel_tag) = owner.detail(daniel).await;
    let (status, _) = owner
        .patch_user(
            daniel,
            Some(&daniel_tag),
            serde_json::json!({"org_role": "owner"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, after) = owner
        .patch_user(
            maya,
            Some(&tag),
            serde_json::json!({"org_role": "administrator"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    let after: UserDetail = serde_json::from_value(after).expect("detail");
    assert_eq!(after.org_role, Some(OrgRole::Administrator));
    // Maya's session now carries her new role: she may no longer touch Owners.
    owner.sign_in_as(OWNER).await;
    let (_, tag) = owner.detail(daniel).await;
    let (status, _) = owner
        .patch_user(
            daniel,
            Some(&tag),
            serde_json::json!({"org_role": "member"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Another organization's user is not there to change.
    let globex = demo_as_inserted()
        .users
        .iter()
        .find(|u| u.email == "hank.scorpio@globex.example")
        .map(|u| u.id)
        .unwrap_or_default();
    let (status, _) = owner
        .patch_user(
            globex,
            Some("\"v1\""),
            serde_json::json!({"given_name": "X"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

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
async fn control_and_bidi_characters_and_encoded_words_are_refused_in_names() {
    let owner = demo_server().await;
    let sam = id_of(MEMBER);
    for (field, value) in [
        ("given_name", "Sam\r\nBcc: everyone@example.com"),
        ("given_name", "Sam\u{0}"),
        ("family_name", "\u{202E}rolyaT"),
        ("family_name", "Taylor\u{2066}"),
        // An attacker's pass: a line separator, and an RFC 2047 encoded word that mail programs
        // decode in a subject into a line break and reversed text.
        ("given_name", "Sam\u{2028}Forged line"),
        (
            "family_name",
            "=?utf-8?b?4oCuSVQgU2VjdXJpdHkgVGVhbQ0KWC1TcG9vZmVkOiAx?=",
        ),
        // A third: names that show nothing (a Braille blank, marks on no letter, a selector
        // after a space), blank in the list, the log and mail.
        ("given_name", "\u{2800}"),
        ("given_name", "\u{0336}\u{0336}"),
        ("family_name", "Taylor \u{FE0F}"),
    ] {
        let (status, body) = owner
            .patch_as_read(sam, serde_json::json!({ field: value }))
            .await;
        assert_eq!(
            (status, &body["error"]["field"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &serde_json::json!(field)),
            "{value:?}"
        );
    }
    // A token's name is part of its caller's name in the subjects of the mail it sends.
    for name in ["deploy\nbot", "deploy =?utf-8?b?4oCu?= bot"] {
        let (status, body) = owner
            .post_json(
                "/api/v1/tokens",
                serde_json::json!({ "name": name, "current_password": PASSWORD }),
            )
            .await;
        assert_eq!(
            (status, &body["error"]["field"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &serde_json::json!("name")),
            "{name:?}"
        );
    }

    // A name stored before the rule does not stop changes that leave it as it is.
    let mut db = database(&owner).await;
    execute(
        &mut db,
        &format!("UPDATE users SET family_name = '=?utf-8?b?4oCu?=' WHERE id = {sam}"),
    )
    .await;
    let (status, body) = owner
        .patch_as_read(sam, serde_json::json!({"org_role": "administrator"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

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
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &serde_json::json!("given_name")
        )
    );
}

#[tokio::test]
async fn a_reset_password_ends_sessions_and_mails_a_link_to_choose_a_new_one() {
    let owner = demo_server().await;
    let mut sam = owner.another_client();
    sam.sign_in_as(MEMBER).await;
    let (status, _) = owner
        .act(
            "POST",
            id_of(MEMBER),
            "reset-password",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = sam.get_error("/api/v1/session").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "their sessions ended");
    let (status, _, _) = sam.post_sign_in(MEMBER, PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old password no longer works"
    );
    let links = delivered_links_to(&owner, MEMBER, "/password/").await;
    assert_eq!(links.len(), 1, "one mail with a set-password link");
    let log: Page<AuditEntry> = owner.get("/api/v1/audit?action=user.password_reset").await;
    assert_eq!(log.items.len(), 1);
}

#[tokio::test]
async fn requiring_two_factor_makes_the_user_enrol_at_next_sign_in() {
    let owner = demo_server().await;
    let (status, detail) = owner
        .act(
            "PUT",
            id_of(MEMBER),
            "two-factor",
            serde_json::json!({"required": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["two_factor"]["required"], true);
    let mut sam = owner.another_client();
    sam.sign_in_as(MEMBER).await;
    let me: roster_model::Me = sam.get("/api/v1/session").await;
    assert!(me.must_enrol_two_factor);
}

#[tokio::test]
async fn account_access_is_set_as_a_whole_and_owners_keep_their_accounts() {
    let owner = demo_server().await;
    let accounts = owner.accounts().await;
    let (status, detail) = owner
        .act(
            "PUT",
            id_of(MEMBER),
            "access",
            serde_json::json!({"accounts": [
                {"account_id": accounts[0].id, "roles": ["administrator", "developer"]},
                {"account_id": accounts[1].id, "roles": ["support", "billing_manager"]},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    let detail: UserDetail = serde_json::from_value(detail).expect("detail");
    let roles: Vec<(String, String)> = detail
        .accounts
        .iter()
        .map(|a| (a.account.name.clone(), a.roles.describe()))
        .collect();
    assert_eq!(
        roles
            .iter()
            .map(|(_, r)| r.as_str())
            .collect::<Vec<_>>()
            .len(),
        2,
        "{roles:?}"
    );
    assert!(roles.contains(&(accounts[0].name.clone(), "Administrator".to_owned())));
    assert!(roles.contains(&(
        accounts[1].name.clone(),
        "Billing Manager, Support".to_owned()
    )));

    // Maya owns accounts: leaving one of them out is refused.
    let (status, error) = owner
        .act(
            "PUT",
            id_of(OWNER),
            "access",
            serde_json::json!({"accounts": []}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("Transfer the ownership"));
    let log: Page<AuditEntry> = owner.get("/api/v1/audit?action=user.access_changed").await;
    assert_eq!(log.items.len(), 1);
    assert_counts_kept(&owner).await;
}

/// An Administrator who takes the Owner's name and acts under it is still told apart in the log:
/// each entry carries the actor's and the target's email at that moment (names are not unique),
/// a filter by email finds only the email's own entries, and a deleted user's entry keeps their
/// email. Entries recorded before emails were get them on upgrade (SQLite 0026, PostgreSQL 0016).
#[tokio::test]
async fn the_audit_log_tells_apart_a_member_who_took_an_owners_name() {
    let owner = demo_server().await;
    let mut admin = owner.another_client();
    admin.sign_in_as(dataset::DEMO_ADMIN_EMAIL).await;
    let admin_id = id_of(dataset::DEMO_ADMIN_EMAIL);
    let (_, tag) = admin.detail(admin_id).await;
    let (status, answer) = admin
        .patch_user(
            admin_id,
            Some(&tag),
            serde_json::json!({"given_name": "Maya", "family_name": "Chen"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = admin
        .act("POST", id_of(MEMBER), "suspend", serde_json::json!(null))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    let suspended: Page<AuditEntry> = owner.get("/api/v1/audit?action=user.suspended").await;
    let entry = suspended.items.first().expect("the suspension's entry");
    assert_eq!(entry.actor, "Maya Chen");
    assert_eq!(
        entry.actor_email.as_deref(),
        Some(dataset::DEMO_ADMIN_EMAIL)
    );
    assert_eq!(entry.target_email.as_deref(), Some(MEMBER));
    let by_owner: Page<AuditEntry> = owner
        .get(&format!(
            "/api/v1/audit?action=user.suspended&actor={OWNER}"
        ))
        .await;
    assert!(by_owner.items.is_empty(), "{:?}", by_owner.items);
    let by_admin: Page<AuditEntry> = owner
        .get(&format!(
            "/api/v1/audit?action=user.suspended&actor={}",
            dataset::DEMO_ADMIN_EMAIL
        ))
        .await;
    assert_eq!(by_admin.items.len(), 1);

    let body = owner
        .leave_request(MEMBER, &roster_model::DELETE_CONSEQUENCES)
        .await;
    let (status, answer) = owner.act("POST", id_of(MEMBER), "delete", body).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    let deleted: Page<AuditEntry> = owner.get("/api/v1/audit?action=user.deleted").await;
    let entry = deleted.items.first().expect("the deletion's entry");
    assert_eq!(entry.target_email.as_deref(), Some(MEMBER));
    assert_eq!(entry.actor_email.as_deref(), Some(OWNER));

    // The upgrade fills in the emails of entries recorded before, where their users still are.
    let mut db = database(&owner).await;
    execute(
        &mut db,
        "UPDATE audit_events SET actor_email = NULL, target_email = NULL",
    )
    .await;
    let migration = match owner.database_url.starts_with("postgres") {
        true => include_str!("../../../migrations/postgres/0016_audit_emails.sql"),
        false => include_str!("../../../migrations/sqlite/0026_audit_emails.sql"),
    };
    // Its statements after the columns are added, without their comments.
    let back_fills: Vec<String> = migration
        .split(';')
        .map(|statement| {
            let lines = statement.lines().filter(|line| !line.starts_with("--"));
            lines.collect::<Vec<_>>().join("\n")
        })
        .filter(|statement| statement.trim_start().starts_with("UPDATE"))
        .collect();
    assert_eq!(back_fills.len(), 2, "{migration}");
    for statement in &back_fills {
        execute(&mut db, statement).await;
    }
    let suspended: Page<AuditEntry> = owner.get("/api/v1/audit?action=user.suspended").await;
    let entry = suspended.items.first().expect("the suspension's entry");
    assert_eq!(
        entry.actor_email.as_deref(),
        Some(dataset::DEMO_ADMIN_EMAIL)
    );
    assert_eq!(entry.target_email, None, "a deleted user's is not known");
}
