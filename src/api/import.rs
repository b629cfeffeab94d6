//! Bulk import of existing users.

use super::{ApiClient, ApiFailure};
use gloo_net::http::Request;
use roster_model::{BulkResponse, ImportRequest, Page, UserIds, UserSummary};

impl ApiClient {
    /// Existing users bulk import offers, by name.
    pub async fn import_candidates(
        &self,
        search: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<UserSummary>, ApiFailure> {
        self.get_page("/import/candidates", search, cursor, limit)
            .await
    }

    /// Every user import offers for this search ("select all matching").
    pub async fn import_candidate_ids(&self, search: &str) -> Result<UserIds, ApiFailure> {
        let mut query = Vec::new();
        if !search.trim().is_empty() {
            query.push(("q", search));
        }
        self.get("/import/candidates/ids", &query).await
    }

    /// Imports one batch (at most 200); a result per user.
    pub async fn import_users(&self, ids: &[i64]) -> Result<BulkResponse, ApiFailure> {
        let body = ImportRequest { ids: ids.to_vec() };
        let request = Self::changing(Request::post(&self.url("/import")?)).json(&body);
        self.change(request).await
    }
}
