//! Changing a managed user: name and organization role, under the Owner rules, with versions
//! (ETag / If-Match) so that concurrent edits never overwrite each other silently.

mod common;

use axum::http::StatusCode;
use common::*;
use roster_model::{AuditEntry, OrgRole, Page, UserDetail};
use roster_server::dataset;

impl TestServer {
    async fn patch_user(
        &self,
        id: i64,
        if_match: Option<&str>,
        change: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let headers: Vec<(&str, &str)> =
            if_match.map(|tag| ("if-match", tag)).into_iter().collect();
        let (status, _, body) = self
            .send_json(
                "PATCH",
                &format!("/api/v1/users/{id}"),
                &headers,
                Some(change),
            )
            .await;
        (status, body)
    }
}

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
    assert_eq!(status, StatusCode::BAD_REQUEST);
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
    let (_, tag) = admin.detail(sam).await;
    let (status, error) = admin
        .patch_user(sam, Some(&tag), serde_json::json!({"org_role": "owner"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("Only an Owner"));
    let (status, _) = admin
        .patch_user(
            sam,
            Some(&tag),
            serde_json::json!({"org_role": "administrator"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, tag) = admin.detail(maya).await;
    let (status, _) = admin
        .patch_user(maya, Some(&tag), serde_json::json!({"org_role": "member"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Nor can they lock themselves out.
    let (_, tag) = admin.detail(daniel).await;
    let (status, error) = admin
        .patch_user(
            daniel,
            Some(&tag),
            serde_json::json!({"org_role": "member"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
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
    assert_eq!(status, StatusCode::BAD_REQUEST);
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
    assert_eq!(status, StatusCode::BAD_REQUEST);

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

impl TestServer {
    async fn accounts(&self) -> Vec<roster_model::AccountSummary> {
        let page: Page<roster_model::AccountSummary> = self.get("/api/v1/accounts?limit=200").await;
        page.items
    }
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
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("Transfer the ownership"));
    let log: Page<AuditEntry> = owner.get("/api/v1/audit?action=user.access_changed").await;
    assert_eq!(log.items.len(), 1);
}

#[tokio::test]
async fn removing_a_user_hands_over_or_releases_each_owned_account_and_keeps_them_active() {
    let owner = demo_server().await;
    let priya = id_of(dataset::DEMO_ADMIN_EMAIL);
    let owned: Vec<_> = owner
        .accounts()
        .await
        .into_iter()
        .filter(|a| a.owner.as_ref().is_some_and(|o| o.id == priya))
        .collect();
    assert_eq!(owned.len(), 2, "Priya owns two demo accounts");
    let sam = id_of(MEMBER);

    let (status, error) = owner
        .act(
            "POST",
            priya,
            "remove",
            serde_json::json!({"acknowledged": ["removed_from_organization"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"]["field"], "acknowledged");
    let confirmed = acknowledged(&roster_model::REMOVE_CONSEQUENCES);
    let (status, error) = owner
        .act(
            "POST",
            priya,
            "remove",
            serde_json::json!({"acknowledged": confirmed}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"]["field"], "new_owners");

    let (status, answer) = owner
        .act(
            "POST",
            priya,
            "remove",
            serde_json::json!({"acknowledged": confirmed, "new_owners": [
                {"account_id": owned[0].id, "new_owner_id": sam},
                {"account_id": owned[1].id, "new_owner_id": priya},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    let accounts = owner.accounts().await;
    let first = accounts
        .iter()
        .find(|a| a.id == owned[0].id)
        .expect("still the organization's");
    assert_eq!(first.owner.as_ref().map(|o| o.id), Some(sam));
    assert!(
        accounts.iter().all(|a| a.id != owned[1].id),
        "the account Priya kept left the organization with her"
    );
    let (status, _) = owner.get_error(&format!("/api/v1/users/{priya}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no longer the organization's user"
    );
    // Still an active user of the system: inviting her again meets an existing user.
    let (_, check) = owner
        .post_json(
            "/api/v1/invitations/check",
            serde_json::json!({"emails": [dataset::DEMO_ADMIN_EMAIL]}),
        )
        .await;
    assert_eq!(check[0]["existing_user"], true, "{check}");
    let log: Page<AuditEntry> = owner.get("/api/v1/audit?action=user.removed").await;
    assert_eq!(log.items.len(), 1);
}

#[tokio::test]
async fn deleting_a_user_is_all_or_nothing_and_frees_their_email() {
    let owner = demo_server().await;
    let daniel = id_of(dataset::DEMO_TWO_FACTOR_EMAIL);
    let sam = id_of(MEMBER);
    let hank = demo_as_inserted()
        .users
        .iter()
        .find(|u| u.email == "hank.scorpio@globex.example")
        .map(|u| u.id)
        .unwrap_or_default();
    let owned: Vec<_> = owner
        .accounts()
        .await
        .into_iter()
        .filter(|a| a.owner.as_ref().is_some_and(|o| o.id == daniel))
        .collect();
    assert_eq!(owned.len(), 2);
    let confirmed = acknowledged(&roster_model::DELETE_CONSEQUENCES);

    // The second choice is bad (another organization's user): the first hand-over is undone too.
    let (status, error) = owner
        .act(
            "POST",
            daniel,
            "delete",
            serde_json::json!({"acknowledged": confirmed, "new_owners": [
                {"account_id": owned[0].id, "new_owner_id": sam},
                {"account_id": owned[1].id, "new_owner_id": hank},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let accounts = owner.accounts().await;
    assert!(accounts
        .iter()
        .filter(|a| owned.iter().any(|o| o.id == a.id))
        .all(|a| a.owner.as_ref().map(|o| o.id) == Some(daniel)));
    // Keeping an account is not possible for a deleted user.
    let (status, _) = owner
        .act(
            "POST",
            daniel,
            "delete",
            serde_json::json!({"acknowledged": confirmed, "new_owners": [
                {"account_id": owned[0].id, "new_owner_id": daniel},
                {"account_id": owned[1].id, "new_owner_id": sam},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, _) = owner
        .act(
            "POST",
            daniel,
            "delete",
            serde_json::json!({"acknowledged": confirmed, "new_owners": [
                {"account_id": owned[0].id, "new_owner_id": sam},
                {"account_id": owned[1].id, "new_owner_id": sam},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let accounts = owner.accounts().await;
    assert!(accounts
        .iter()
        .filter(|a| owned.iter().any(|o| o.id == a.id))
        .all(|a| a.owner.as_ref().map(|o| o.id) == Some(sam)));
    let (status, _, _) = owner
        .post_sign_in(dataset::DEMO_TWO_FACTOR_EMAIL, PASSWORD)
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a deleted user cannot sign in"
    );
    // The email is free: inviting it creates a new person, with none of the old access.
    let (_, answer) = owner
        .post_json(
            "/api/v1/invitations",
            serde_json::json!({"emails": [dataset::DEMO_TWO_FACTOR_EMAIL]}),
        )
        .await;
    assert_eq!(answer["results"][0]["outcome"], "invited", "{answer}");
    assert_eq!(answer["results"][0]["existing_user"], false);
    let log: Page<AuditEntry> = owner.get("/api/v1/audit?action=user.deleted").await;
    assert_eq!(log.items.len(), 1);
    assert_eq!(log.items[0].target.as_deref(), Some("Daniel Okafor"));
}

#[tokio::test]
async fn admins_cannot_remove_themselves_owners_or_the_last_owner() {
    let owner = demo_server().await;
    let mut admin = owner.another_client();
    admin.sign_in_as(dataset::DEMO_TWO_FACTOR_EMAIL).await;
    let confirmed = acknowledged(&roster_model::REMOVE_CONSEQUENCES);
    let daniel = id_of(dataset::DEMO_TWO_FACTOR_EMAIL);
    let (status, error) = admin
        .act(
            "POST",
            daniel,
            "remove",
            serde_json::json!({"acknowledged": confirmed}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("yourself"));
    let (status, _) = admin
        .act(
            "POST",
            id_of(OWNER),
            "remove",
            serde_json::json!({"acknowledged": confirmed}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = owner
        .act(
            "POST",
            id_of(OWNER),
            "delete",
            serde_json::json!({"acknowledged": acknowledged(&roster_model::DELETE_CONSEQUENCES)}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn bulk_actions_select_all_matching_and_answer_per_user() {
    let owner = demo_server().await;
    let all: roster_model::UserIds = owner.get("/api/v1/users/ids?view=managed").await;
    let counts: roster_model::ViewCounts = owner.get("/api/v1/users/counts").await;
    assert_eq!(all.total, counts.managed);
    assert_eq!(all.ids.len() as u64, all.total);
    let some: roster_model::UserIds = owner
        .get("/api/v1/users/ids?view=managed&q=northwindlabs")
        .await;
    assert!(some.total > 0 && some.total < all.total);

    let outsider = demo_as_inserted()
        .users
        .iter()
        .find(|u| u.email == "hank.scorpio@globex.example")
        .map(|u| u.id)
        .unwrap_or_default();
    let mut ids = some.ids.clone();
    ids.push(outsider);
    let (status, answer) = owner
        .post_json(
            "/api/v1/users/bulk",
            serde_json::json!({"action": "require_two_factor", "ids": ids}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let answer: roster_model::BulkResponse = serde_json::from_value(answer).expect("answer");
    assert_eq!(answer.results.len(), ids.len());
    assert!(answer.results[..some.ids.len()].iter().all(|r| r.ok));
    let last = answer.results.last().expect("a result");
    assert!(
        !last.ok && last.name.is_none(),
        "another organization's user is not named"
    );
    for id in &some.ids {
        let (detail, _) = owner.detail(*id).await;
        assert!(detail.two_factor.required);
    }
    let log: Page<AuditEntry> = owner
        .get("/api/v1/audit?action=user.two_factor_required&limit=200")
        .await;
    assert_eq!(log.items.len(), some.ids.len());

    let (status, _) = owner
        .post_json(
            "/api/v1/users/bulk",
            serde_json::json!({"action": "reset_password", "ids": [id_of(MEMBER)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = owner.another_client().post_sign_in(MEMBER, PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old password no longer works"
    );
}

#[tokio::test]
async fn bulk_removal_hands_over_every_owned_account_and_answers_per_user() {
    let owner = demo_server().await;
    let accounts = owner.accounts().await;
    let managed: Page<roster_model::UserSummary> =
        owner.get("/api/v1/users?view=managed&limit=200").await;
    let member_owners: Vec<&roster_model::AccountSummary> = accounts
        .iter()
        .filter(|a| {
            a.owner.as_ref().is_some_and(|o| {
                managed
                    .items
                    .iter()
                    .any(|u| u.id == o.id && u.org_role == Some(OrgRole::Member))
            })
        })
        .take(2)
        .collect();
    assert_eq!(member_owners.len(), 2, "two Members who own accounts");
    let leavers: Vec<i64> = member_owners
        .iter()
        .filter_map(|a| a.owner.as_ref().map(|o| o.id))
        .collect();
    let sam = id_of(MEMBER);
    let ids = [leavers[0], leavers[1], id_of(OWNER)];

    let (status, _) = owner
        .post_json(
            "/api/v1/users/bulk",
            serde_json::json!({"action": "remove", "ids": ids}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "consequences not confirmed"
    );
    let (status, answer) = owner
        .post_json(
            "/api/v1/users/bulk",
            serde_json::json!({
                "action": "remove",
                "ids": ids,
                "acknowledged": acknowledged(&roster_model::REMOVE_CONSEQUENCES),
                "new_owners": [
                    {"account_id": member_owners[0].id, "new_owner_id": sam},
                    {"account_id": member_owners[1].id, "new_owner_id": leavers[1]},
                ],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let answer: roster_model::BulkResponse = serde_json::from_value(answer).expect("answer");
    assert!(answer.results[0].ok && answer.results[1].ok, "{answer:?}");
    assert!(
        !answer.results[2].ok,
        "the signed-in Owner cannot remove themselves"
    );
    let after = owner.accounts().await;
    assert_eq!(
        after
            .iter()
            .find(|a| a.id == member_owners[0].id)
            .and_then(|a| a.owner.as_ref())
            .map(|o| o.id),
        Some(sam)
    );
    assert!(after.iter().all(|a| a.id != member_owners[1].id));
    let log: Page<AuditEntry> = owner.get("/api/v1/audit?action=user.removed").await;
    assert_eq!(log.items.len(), 2);
}
