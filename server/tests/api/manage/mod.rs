//! Managing a member: name and role under the Owner rules, versions (ETag / If-Match) so concurrent
//! edits never overwrite each other, password reset, two-factor, access, removal, deletion and bulk
//! actions — and who may do each to whom.

mod bulk;
mod changes;
mod leaving;
mod suspension;

use crate::common::*;
use axum::http::StatusCode;
use roster_model::Page;

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

impl TestServer {
    async fn accounts(&self) -> Vec<roster_model::AccountSummary> {
        let page: Page<roster_model::AccountSummary> = self.get("/api/v1/accounts?limit=200").await;
        page.items
    }
}
