//! Bulk import through the API: who it offers, importing a batch with a result per user, the
//! mail and audit of each, and the organization feature that turns it off.

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{AuditEntry, BulkResponse, Page, UserIds, UserStatus, UserSummary, ViewCounts};
use roster_server::store::Dataset;

/// The demo users import should offer: active, in no organization, on a verified Northwind domain.
fn importable(demo: &Dataset) -> Vec<(i64, String)> {
    let verified: Vec<&str> = demo
        .domains
        .iter()
        .filter(|d| d.org_id == 1 && d.state == roster_model::DomainState::Verified)
        .map(|d| d.name.as_str())
        .collect();
    demo.users
        .iter()
        .filter(|u| u.membership.is_none() && u.status == UserStatus::Active)
        .filter(|u| verified.iter().any(|d| u.email.ends_with(&format!("@{d}"))))
        .map(|u| (u.id, u.email.clone()))
        .collect()
}

impl TestServer {
    async fn import(&self, ids: &[i64]) -> (StatusCode, serde_json::Value) {
        self.post_json("/api/v1/import", serde_json::json!({ "ids": ids }))
            .await
    }
}

#[tokio::test]
async fn import_offers_existing_users_on_verified_domains_outside_any_organization() {
    let server = demo_server().await;
    let expected = importable(&demo_as_inserted());
    assert!(expected.len() >= 6, "the demo has users to import");
    let page: Page<UserSummary> = server.get("/api/v1/import/candidates?limit=200").await;
    let mut offered: Vec<i64> = page.items.iter().map(|u| u.id).collect();
    let mut wanted: Vec<i64> = expected.iter().map(|(id, _)| *id).collect();
    offered.sort_unstable();
    wanted.sort_unstable();
    assert_eq!(offered, wanted);
    assert_eq!(page.total as usize, wanted.len());
    let ids: UserIds = server.get("/api/v1/import/candidates/ids").await;
    assert_eq!(ids.ids.len(), wanted.len());
    // Search narrows the offer.
    let (_, first_email) = &expected[0];
    let found: Page<UserSummary> = server
        .get(&format!("/api/v1/import/candidates?q={first_email}"))
        .await;
    assert_eq!(found.items.len(), 1);
    // A term without a trigram is tested on each user's text: every holder and nobody else.
    for term in ["ch", "a", "_"] {
        let mut holders: Vec<i64> = page
            .items
            .iter()
            .filter(|u| holds(u, term))
            .map(|u| u.id)
            .collect();
        let found: Page<UserSummary> = server
            .get(&format!("/api/v1/import/candidates?limit=200&q={term}"))
            .await;
        let mut found: Vec<i64> = found.items.iter().map(|u| u.id).collect();
        holders.sort_unstable();
        found.sort_unstable();
        assert_eq!(found, holders, "{term}");
    }

    // The offer is in name order across the verified domains, page by page, forwards and back.
    let domains: std::collections::BTreeSet<&str> = expected
        .iter()
        .filter_map(|(_, email)| email.split_once('@').map(|(_, domain)| domain))
        .collect();
    assert!(
        domains.len() > 1,
        "importable users on more than one domain"
    );
    let mut in_order = page.items.clone();
    in_order.sort_by_key(|u| {
        (
            roster_server::store::sort_name(&u.given_name, &u.family_name, &u.email),
            u.id,
        )
    });
    let order: Vec<i64> = in_order.iter().map(|u| u.id).collect();
    assert_eq!(page.items.iter().map(|u| u.id).collect::<Vec<_>>(), order);
    let mut walked = Vec::new();
    let mut pages = Vec::new();
    let mut next = Some(String::new());
    while let Some(cursor) = next {
        let uri = if cursor.is_empty() {
            "/api/v1/import/candidates?limit=2".to_owned()
        } else {
            format!("/api/v1/import/candidates?limit=2&cursor={cursor}")
        };
        let page: Page<UserSummary> = server.get(&uri).await;
        walked.extend(page.items.iter().map(|u| u.id));
        next = page.next_cursor.clone();
        pages.push(page);
    }
    assert_eq!(walked, order, "forwards");
    let mut back = Vec::new();
    let mut previous = pages.last().and_then(|p| p.prev_cursor.clone());
    back.extend(
        pages
            .last()
            .expect("a page")
            .items
            .iter()
            .rev()
            .map(|u| u.id),
    );
    while let Some(cursor) = previous {
        let page: Page<UserSummary> = server
            .get(&format!(
                "/api/v1/import/candidates?limit=2&cursor={cursor}"
            ))
            .await;
        back.extend(page.items.iter().rev().map(|u| u.id));
        previous = page.prev_cursor.clone();
    }
    back.reverse();
    assert_eq!(back, order, "back");
}

#[tokio::test]
async fn a_batch_imports_each_user_once_with_mail_and_audit_and_a_result_per_user() {
    let server = demo_server().await;
    let demo = demo_as_inserted();
    let candidates = importable(&demo);
    let before: ViewCounts = server.get("/api/v1/users/counts").await;
    let globex_member = demo
        .users
        .iter()
        .find(|u| u.membership.as_ref().is_some_and(|m| m.org_id == 2))
        .map(|u| u.id)
        .expect("a Globex member");
    // Someone outside every organization on a domain Northwind has not verified: another
    // organization's contractor, say. Their name (or address) must not come back.
    let outsider = demo
        .users
        .iter()
        .find(|u| {
            u.membership.is_none()
                && !u.email.ends_with("@northwind.example")
                && !u.email.ends_with("@northwindlabs.example")
        })
        .map(|u| u.id)
        .expect("a user outside Northwind's domains");
    // One of them already an Administrator of one of Northwind's accounts, from outside.
    let (contractor, _) = candidates[0].clone();
    let mut db = database(&server).await;
    let grant = format!(
        "INSERT INTO account_access (account_id, user_id, roles, granted_at) \
         SELECT MIN(id), {contractor}, 1, 0 FROM accounts WHERE org_id = 1"
    );
    sqlx::query(&grant).execute(&mut db).await.expect(&grant);
    let listed = async |view: &str| -> bool {
        let admins = server
            .users(&format!("view={view}&account_role=administrator&limit=200"))
            .await;
        admins.items.iter().any(|u| u.id == contractor)
    };
    assert!(listed("external").await && !listed("imported").await);
    let mut ids: Vec<i64> = candidates.iter().map(|(id, _)| *id).collect();
    ids.extend([globex_member, outsider, 999_999]);
    let (status, body) = server.import(&ids).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: BulkResponse = serde_json::from_value(body).expect("results");
    assert_eq!(answer.results.len(), ids.len());
    let ok = answer.results.iter().filter(|r| r.ok).count();
    assert_eq!(ok, candidates.len());
    // Whatever the reason, an id that is not importable gets the same answer, with no name: it
    // says nothing of another organization's people.
    let failed: Vec<_> = answer.results.iter().filter(|r| !r.ok).collect();
    assert_eq!(failed.len(), 3);
    for result in &failed {
        assert_eq!(result.name, None, "{result:?}");
        assert!(
            result
                .message
                .as_deref()
                .unwrap_or_default()
                .starts_with("Not importable"),
            "{result:?}"
        );
    }
    assert_eq!(failed[0].message, failed[1].message);
    assert_eq!(failed[1].message, failed[2].message);

    let after: ViewCounts = server.get("/api/v1/users/counts").await;
    assert_eq!(after.managed, before.managed + candidates.len() as u64);
    assert_eq!(after.imported, before.imported + candidates.len() as u64);
    // Those of them who had a pending invitation are no longer listed as invited.
    assert!(after.invited <= before.invited);
    let imported: Page<UserSummary> = server
        .get(&format!(
            "/api/v1/users?view=imported&q={}",
            candidates[0].1
        ))
        .await;
    let by = imported.items[0].imported.clone().expect("import info");
    assert_eq!(by.imported_by.map(|u| u.email).as_deref(), Some(OWNER));
    assert_eq!(by.imported_at, server.now());

    // Each is told; the mail names the organization.
    let to = &candidates[0].1;
    roster_server::mail::deliver_due(
        &server.state.store,
        &server.state.mailer,
        &server.state.clock,
    )
    .await;
    let mails: Vec<String> = std::fs::read_dir(server._dir.path().join("mail"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(mails.iter().any(|m| m.contains(&format!("To: {to}"))
        && m.contains("You are now a managed user of Northwind Labs")));
    let log: Page<AuditEntry> = server
        .get("/api/v1/audit?action=user.imported&limit=200")
        .await;
    assert_eq!(log.items.len(), candidates.len());

    // Sending the batch again imports nobody twice.
    let (_, body) = server.import(&ids[..candidates.len()]).await;
    let again: BulkResponse = serde_json::from_value(body).expect("results");
    assert!(again
        .results
        .iter()
        .all(|r| !r.ok && r.message.as_deref() == Some("Already a member of the organization.")));
    let log: Page<AuditEntry> = server
        .get("/api/v1/audit?action=user.imported&limit=200")
        .await;
    assert_eq!(log.items.len(), candidates.len());
    let none: Page<UserSummary> = server.get("/api/v1/import/candidates").await;
    assert_eq!(none.total, 0);
    assert_counts_kept(&server).await;

    // The Imported tab's account-role filter finds the contractor now a member, and the External
    // tab's no longer; removed from the organization, they lose its accounts with it.
    assert!(listed("imported").await && listed("managed").await && !listed("external").await);
    let imported_admins: ViewCounts = server
        .get("/api/v1/users/counts?account_role=administrator")
        .await;
    let page = server
        .users("view=imported&account_role=administrator&limit=200")
        .await;
    assert_eq!(imported_admins.imported, page.total);
    let (status, answer) = server
        .act(
            "POST",
            contractor,
            "remove",
            serde_json::json!({
                "acknowledged": acknowledged(&roster_model::REMOVE_CONSEQUENCES),
                "new_owners": [],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    assert!(!listed("imported").await && !listed("managed").await && !listed("external").await);
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn batches_are_bounded() {
    let server = demo_server().await;
    let (status, body) = server.import(&[]).await;
    assert_eq!(
        (status, body["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, "ids".into())
    );
    let many: Vec<i64> = (1..=201).collect();
    let (status, _) = server.import(&many).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_organization_without_the_feature_cannot_import() {
    let mut server = anonymous_demo_server().await;
    server.sign_in_as("hank.scorpio@globex.example").await;
    let organization: serde_json::Value = server.get("/api/v1/organization").await;
    assert_eq!(organization["features"]["bulk_import"], false);
    for uri in ["/api/v1/import/candidates", "/api/v1/import/candidates/ids"] {
        let (status, error) = server.get_error(uri).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(error.error.code, roster_model::ErrorCode::FeatureDisabled);
        assert!(error.error.message.contains("not enabled"));
    }
    let (status, body) = server.import(&[1]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "feature_disabled");
}
