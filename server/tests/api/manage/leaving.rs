//! A member leaving: removal from the organization and deletion, with a new owner for each account
//! they own, all or nothing.

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{AuditEntry, Page};
use roster_server::dataset;

#[tokio::test]
async fn removing_a_user_hands_over_or_releases_each_owned_account_and_keeps_them_active() {
    let owner = demo_server().await;
    let priya = id_of(dataset::DEMO_ADMIN_EMAIL);
    let owned = owner.accounts_owned_by(priya).await;
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
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
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
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
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
    assert_counts_kept(&owner).await;
}

/// Removal withdraws the invitations still waiting for the person to the organization's accounts
/// (one made while they were an external user, which joining by import or provisioning keeps):
/// accepted after the removal, one gave back access the removal took.
#[tokio::test]
async fn removing_a_member_withdraws_their_waiting_invitations_to_its_accounts() {
    let owner = demo_server().await;
    let sam = id_of(MEMBER);
    let mut db = database(&owner).await;
    let account = scalar(&mut db, "SELECT MIN(id) FROM accounts WHERE org_id = 1").await;
    insert_waiting_account_invitation(&mut db, &owner, sam, account, "waiting-for-sam").await;

    let others_waiting =
        format!("SELECT COUNT(*) FROM invitations WHERE state = 'pending' AND user_id <> {sam}");
    let others_before = scalar(&mut db, &others_waiting).await;
    assert!(others_before > 0);

    let body = owner
        .leave_request(MEMBER, &roster_model::REMOVE_CONSEQUENCES)
        .await;
    let (status, answer) = owner.act("POST", sam, "remove", body).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    let link_kept = scalar(
        &mut db,
        "SELECT COUNT(*) FROM invitations WHERE token_hash = 'waiting-for-sam'",
    )
    .await;
    assert_eq!(link_kept, 0, "the link no longer works");
    let state: String =
        sqlx::query_scalar("SELECT state FROM invitations WHERE user_id = $1 AND account_id = $2")
            .bind(sam)
            .bind(account)
            .fetch_one(&mut db)
            .await
            .expect("the invitation");
    assert_eq!(state, "revoked");
    let details: String =
        sqlx::query_scalar("SELECT details FROM audit_events WHERE action = 'user.removed'")
            .fetch_one(&mut db)
            .await
            .expect("audit event");
    let details: serde_json::Value = serde_json::from_str(&details).expect("details");
    assert_eq!(details["invitations_withdrawn"], 1, "{details}");
    assert_eq!(scalar(&mut db, &others_waiting).await, others_before);
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
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
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
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A suspended member cannot sign in, so cannot be the new owner until restored.
    let both_to_sam = serde_json::json!({"acknowledged": confirmed, "new_owners": [
        {"account_id": owned[0].id, "new_owner_id": sam},
        {"account_id": owned[1].id, "new_owner_id": sam},
    ]});
    let (status, _) = owner
        .act("POST", sam, "suspend", serde_json::json!(null))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, error) = owner
        .act("POST", daniel, "delete", both_to_sam.clone())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["field"], "new_owners");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("is suspended")),
        "{error}"
    );
    let (status, _) = owner
        .act("POST", sam, "restore", serde_json::json!(null))
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = owner.act("POST", daniel, "delete", both_to_sam).await;
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
    assert_counts_kept(&owner).await;
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
async fn an_account_that_leaves_with_its_owner_takes_none_of_the_organizations_grants() {
    let owner = demo_server().await;
    let priya = id_of(dataset::DEMO_ADMIN_EMAIL);
    let owned = owner.accounts_owned_by(priya).await;
    let (kept, handed) = (owned[1].id, owned[0].id);
    let others: roster_model::Page<roster_model::AccountUser> = owner
        .get(&format!("/api/v1/accounts/{kept}/users?limit=200"))
        .await;
    let others: Vec<_> = others
        .items
        .into_iter()
        .filter(|p| p.user.id != priya)
        .collect();
    assert!(
        !others.is_empty(),
        "other people can use the account Priya keeps"
    );
    // A pending invitation to that account alone, and one to the organization that grants it.
    let (status, body) = owner
        .post_json(
            &format!("/api/v1/accounts/{kept}/invitations"),
            serde_json::json!({"emails": ["helper@agency.example"], "roles": ["support"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = owner
        .post_json(
            "/api/v1/invitations",
            serde_json::json!({"emails": ["joiner@northwind.example"], "accounts": [
                {"account_id": kept, "roles": ["developer"]},
                {"account_id": handed, "roles": ["support"]},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let mut db = database(&owner).await;
    let pending_for_kept = scalar(
        &mut db,
        &format!(
            "SELECT COUNT(DISTINCT i.id) FROM invitations i \
             LEFT JOIN invitation_accounts ia ON ia.invitation_id = i.id \
             WHERE i.state = 'pending' AND (i.account_id = {kept} OR ia.account_id = {kept})"
        ),
    )
    .await;

    let (status, answer) = owner
        .act(
            "POST",
            priya,
            "remove",
            serde_json::json!({"acknowledged": acknowledged(&roster_model::REMOVE_CONSEQUENCES), "new_owners": [
                {"account_id": handed, "new_owner_id": id_of(MEMBER)},
                {"account_id": kept, "new_owner_id": priya},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");

    // Nobody the organization gave access keeps it, and each of them shows the change.
    let left = scalar(
        &mut db,
        &format!(
            "SELECT COUNT(*) FROM account_access WHERE account_id = {kept} AND user_id <> {priya}"
        ),
    )
    .await;
    assert_eq!(left, 0);
    for person in others
        .iter()
        .filter(|p| p.relation == roster_model::Relation::Managed)
    {
        let (detail, _) = owner.detail(person.user.id).await;
        assert!(
            detail.accounts.iter().all(|a| a.account.id != kept),
            "{}",
            person.user.email
        );
    }
    // The invitation to that account is withdrawn; the organization's keeps its other account.
    let withdrawn = scalar(
        &mut db,
        &format!(
            "SELECT COUNT(*) FROM invitations WHERE account_id = {kept} AND state = 'revoked'"
        ),
    )
    .await;
    assert_eq!(withdrawn, 1);
    let invited: Page<roster_model::UserSummary> =
        owner.get("/api/v1/users?view=invited&q=joiner").await;
    let grants = invited.items[0]
        .invitation
        .as_ref()
        .map(|i| i.accounts.clone())
        .unwrap_or_default();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].roles.describe(), "Support");
    // The removal's audit event names what ended with the account.
    let details: String =
        sqlx::query_scalar("SELECT details FROM audit_events WHERE action = 'user.removed'")
            .fetch_one(&mut db)
            .await
            .expect("audit event");
    let details: serde_json::Value = serde_json::from_str(&details).expect("details");
    let kept_entry = details["accounts"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["account_id"] == kept))
        .cloned()
        .unwrap_or_default();
    assert_eq!(kept_entry["left_organization"], true);
    assert_eq!(
        kept_entry["access_ended"].as_array().map(Vec::len),
        Some(others.len())
    );
    assert_eq!(kept_entry["invitations_withdrawn"], pending_for_kept);
    assert_counts_kept(&owner).await;
}

#[tokio::test]
async fn deleting_a_user_leaves_the_accounts_they_own_outside_the_organization_ownerless() {
    let owner = demo_server().await;
    let sam = id_of(MEMBER);
    let mut db = database(&owner).await;
    sqlx::query(
        "INSERT INTO accounts (sid, org_id, name, status, owner_id, created_at) \
         VALUES ('ACoutside0001', NULL, 'Sam''s own sandbox', 'active', $1, 0)",
    )
    .bind(sam)
    .execute(&mut db)
    .await
    .expect("an account outside the organization");
    let owned_here = owner
        .accounts()
        .await
        .into_iter()
        .filter(|a| a.owner.as_ref().is_some_and(|o| o.id == sam))
        .count();
    assert_eq!(owned_here, 0, "Sam owns no account of the organization");

    let (status, answer) = owner
        .act(
            "POST",
            sam,
            "delete",
            serde_json::json!({"acknowledged": acknowledged(&roster_model::DELETE_CONSEQUENCES)}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    let ownerless = scalar(
        &mut db,
        "SELECT COUNT(*) FROM accounts WHERE sid = 'ACoutside0001' AND owner_id IS NULL",
    )
    .await;
    assert_eq!(ownerless, 1, "the account stays, without an owner");
    let users = scalar(
        &mut db,
        &format!("SELECT COUNT(*) FROM users WHERE id = {sam}"),
    )
    .await;
    assert_eq!(users, 0);
    let details: String =
        sqlx::query_scalar("SELECT details FROM audit_events WHERE action = 'user.deleted'")
            .fetch_one(&mut db)
            .await
            .expect("audit event");
    assert!(details.contains("Sam's own sandbox"), "{details}");
    assert_counts_kept(&owner).await;
}

#[tokio::test]
async fn access_given_while_its_account_leaves_the_organization_is_not_kept() {
    // Sam is given access to the account Priya keeps (set as a whole, or through the account's
    // "Invite users"), again and again, while she is removed: a grant checked before the account
    // left and written after must not give access to an account the organization no longer
    // controls. Three rounds, on a fresh organization each: the race goes either way.
    for _ in 0..3 {
        let owner = demo_server().await;
        let priya = id_of(dataset::DEMO_ADMIN_EMAIL);
        let owned = owner.accounts_owned_by(priya).await;
        let (kept, handed) = (owned[1].id, owned[0].id);
        let (sam, _) = owner.detail(id_of(MEMBER)).await;
        let mut grants: Vec<serde_json::Value> = sam
            .accounts
            .iter()
            .filter(|a| a.account.id != kept)
            .map(|a| serde_json::json!({"account_id": a.account.id, "roles": a.roles}))
            .collect();
        grants.push(serde_json::json!({"account_id": kept, "roles": ["developer"]}));
        let grant = || {
            let mut admin = owner.another_client();
            admin.cookie = owner.cookie.clone();
            let body = serde_json::json!({ "accounts": grants });
            tokio::spawn(async move { admin.act("PUT", id_of(MEMBER), "access", body).await })
        };
        // And through the account's "Invite users", which gives a member access at once.
        let invite = || {
            let mut admin = owner.another_client();
            admin.cookie = owner.cookie.clone();
            tokio::spawn(async move {
                admin
                    .post_json(
                        &format!("/api/v1/accounts/{kept}/invitations"),
                        serde_json::json!({"emails": [MEMBER], "roles": ["support"]}),
                    )
                    .await
            })
        };
        // Grants before the removal, during it, and after it.
        let mut granting: Vec<_> = (0..20)
            .map(|i| if i % 2 == 0 { grant() } else { invite() })
            .collect();
        let mut remover = owner.another_client();
        remover.cookie = owner.cookie.clone();
        let removal = tokio::spawn(async move {
            remover
                .act(
                    "POST",
                    priya,
                    "remove",
                    serde_json::json!({"acknowledged": acknowledged(&roster_model::REMOVE_CONSEQUENCES), "new_owners": [
                        {"account_id": handed, "new_owner_id": id_of(OWNER)},
                        {"account_id": kept, "new_owner_id": priya},
                    ]}),
                )
                .await
        });
        granting.extend((0..20).map(|i| if i % 2 == 0 { grant() } else { invite() }));
        let (status, answer) = removal.await.expect("removal");
        assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
        for task in granting {
            let (status, body) = task.await.expect("task");
            assert!(
                // An invitation read after the account left finds no such account.
                [
                    StatusCode::OK,
                    StatusCode::NOT_FOUND,
                    StatusCode::PRECONDITION_FAILED,
                    StatusCode::UNPROCESSABLE_ENTITY
                ]
                .contains(&status),
                "{status} {body}"
            );
        }
        let mut db = database(&owner).await;
        let kept_by_others = scalar(
            &mut db,
            &format!(
                "SELECT COUNT(*) FROM account_access WHERE account_id = {kept} AND user_id <> {priya}"
            ),
        )
        .await;
        assert_eq!(kept_by_others, 0, "access outlived the account's leaving");
        assert_counts_kept(&owner).await;
    }
}

/// Search finds a member by the name they have now, in their organization alone, and no more once
/// they have left it or been deleted: on PostgreSQL the Managed tab's search reads a copy of each
/// member's name and email that triggers keep (`member_search`), its page, its count and "select
/// all matching" alike.
#[tokio::test]
async fn search_follows_a_members_name_and_membership_and_stays_in_their_organization() {
    let owner = demo_server().await;
    let mut globex = owner.another_client();
    globex.sign_in_as("hank.scorpio@globex.example").await;
    let (sam, priya) = (id_of(MEMBER), id_of(dataset::DEMO_ADMIN_EMAIL));
    assert!(found(&owner).await.is_empty());
    rename_to_quillfeather(&owner, sam).await;
    rename_to_quillfeather(&owner, priya).await;
    let their_member = globex
        .users("view=managed&limit=200")
        .await
        .items
        .iter()
        .map(|u| u.id)
        .find(|id| *id != id_of("hank.scorpio@globex.example"))
        .expect("a Globex member");
    rename_to_quillfeather(&globex, their_member).await;
    let mut both = vec![sam, priya];
    both.sort();
    assert_eq!(found(&owner).await, both);
    assert_eq!(found(&globex).await, vec![their_member]);
    // The old name no longer finds them (their address still holds "taylor").
    let taylor = owner.users("view=managed&q=sam%20taylor&limit=200").await;
    assert!(taylor.items.iter().all(|u| u.id != sam));

    let request = owner
        .leave_request(MEMBER, &roster_model::REMOVE_CONSEQUENCES)
        .await;
    let (status, answer) = owner.act("POST", sam, "remove", request).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    assert_eq!(found(&owner).await, vec![priya]);
    let request = owner
        .leave_request(
            dataset::DEMO_ADMIN_EMAIL,
            &roster_model::DELETE_CONSEQUENCES,
        )
        .await;
    let (status, answer) = owner.act("POST", priya, "delete", request).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    assert!(found(&owner).await.is_empty());
    assert_eq!(found(&globex).await, vec![their_member]);
    assert_counts_kept(&owner).await;
}

/// The members a search for "quillfeather" finds, by id, as the list shows them and as "select all
/// matching" selects them, which must agree, with the count.
async fn found(server: &TestServer) -> Vec<i64> {
    let page = server.users("view=managed&q=quillfeather&limit=200").await;
    let ids: roster_model::UserIds = server
        .get("/api/v1/users/ids?view=managed&q=quillfeather")
        .await;
    let mut listed: Vec<i64> = page.items.iter().map(|u| u.id).collect();
    listed.sort();
    let mut selected = ids.ids;
    selected.sort();
    assert_eq!(listed, selected, "the list and select all agree");
    assert_eq!(page.total, listed.len() as u64, "the count agrees");
    listed
}

async fn rename_to_quillfeather(server: &TestServer, id: i64) {
    let (status, body) = server
        .patch_as_read(id, serde_json::json!({"family_name": "Quillfeather"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
