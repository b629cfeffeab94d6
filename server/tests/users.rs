//! Changing a managed user: name and organization role, under the Owner rules, with versions
//! (ETag / If-Match) so that concurrent edits never overwrite each other silently.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use roster_model::{AuditEntry, OrgRole, Page, UserDetail};
use roster_server::dataset;

fn id_of(email: &str) -> i64 {
    demo_as_inserted()
        .users
        .iter()
        .find(|u| u.email == email)
        .map(|u| u.id)
        .unwrap_or_default()
}

impl TestServer {
    async fn detail(&self, id: i64) -> (UserDetail, String) {
        let response = self
            .send(
                Request::get(format!("/api/v1/users/{id}"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let tag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (serde_json::from_slice(&bytes).expect("detail"), tag)
    }

    async fn patch_user(
        &self,
        id: i64,
        if_match: Option<&str>,
        change: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let mut request = Request::patch(format!("/api/v1/users/{id}"))
            .header("content-type", "application/json")
            .header(roster_model::CSRF_HEADER, "1");
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        let response = self
            .send(
                request
                    .body(Body::from(change.to_string()))
                    .expect("request"),
            )
            .await;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
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
