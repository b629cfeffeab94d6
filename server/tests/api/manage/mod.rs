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

    /// The organization's accounts `user_id` owns.
    async fn accounts_owned_by(&self, user_id: i64) -> Vec<roster_model::AccountSummary> {
        let mut owned = self.accounts().await;
        owned.retain(|a| a.owner.as_ref().is_some_and(|o| o.id == user_id));
        owned
    }
}
