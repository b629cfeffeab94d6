//! Bulk actions on a selection: a result per user, batches bounded, and nobody acting on themselves.

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{AuditEntry, OrgRole, Page};

#[tokio::test]
async fn nobody_resets_themselves_in_bulk_and_stays_signed_in() {
    let owner = demo_server().await;
    let (status, answer) = owner
        .post_json(
            "/api/v1/users/bulk",
            serde_json::json!({"action": "reset_password", "ids": [id_of(OWNER), id_of(MEMBER)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["ok"], false);
    assert!(answer["results"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("your own password"));
    assert_eq!(answer["results"][1]["ok"], true);
    let _: roster_model::Me = owner.get("/api/v1/session").await;
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
        StatusCode::UNPROCESSABLE_ENTITY,
        "consequences not confirmed"
    );
    // An account handed to another user the same request removes would leave with them as
    // theirs, with everyone's access to it (an attacker's pass): refused, nothing done.
    // The removal of `ids`, confirmed, giving the two accounts to these owners.
    let removal = |first_owner: i64, second_owner: i64| {
        serde_json::json!({
            "action": "remove",
            "ids": ids,
            "acknowledged": acknowledged(&roster_model::REMOVE_CONSEQUENCES),
            "new_owners": [
                {"account_id": member_owners[0].id, "new_owner_id": first_owner},
                {"account_id": member_owners[1].id, "new_owner_id": second_owner},
            ],
        })
    };
    let (status, answer) = owner
        .post_json("/api/v1/users/bulk", removal(leavers[1], leavers[1]))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["error"]["field"], "new_owners", "{answer}");
    assert_eq!(owner.accounts().await, accounts, "nothing changed");
    let (status, answer) = owner
        .post_json("/api/v1/users/bulk", removal(sam, leavers[1]))
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
    assert_counts_kept(&owner).await;
}
