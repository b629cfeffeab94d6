//! The tabs of the user-management page with their filters, their CSV export, and one user.

use super::{ApiClient, ApiFailure, Download};
use roster_model::{
    Page, SortDir, SortField, UserDetail, UserFilters, UserIds, UserSummary, UserView, ViewCounts,
};

/// What the user list is asked for; mirrors the page's URL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserListRequest {
    pub view: UserView,
    pub search: String,
    pub sort: SortField,
    pub dir: SortDir,
    pub cursor: Option<String>,
    pub limit: u32,
    pub filters: UserFilters,
}

impl UserListRequest {
    /// Tab, search, sort and filters as query parameters (no page).
    fn view_query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![
            ("view", self.view.as_str().to_owned()),
            ("sort", self.sort.as_str().to_owned()),
            ("dir", self.dir.as_str().to_owned()),
        ];
        if !self.search.trim().is_empty() {
            query.push(("q", self.search.clone()));
        }
        query.extend(self.filters.pairs());
        query
    }
}

/// `(name, value)` pairs as the borrowed form requests take.
fn borrowed<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

impl ApiClient {
    /// How many users each tab lists under `filters`.
    pub async fn view_counts(&self, filters: &UserFilters) -> Result<ViewCounts, ApiFailure> {
        self.get("/users/counts", &borrowed(&filters.pairs())).await
    }

    pub async fn users(&self, request: &UserListRequest) -> Result<Page<UserSummary>, ApiFailure> {
        let mut query = request.view_query();
        query.push(("limit", request.limit.to_string()));
        if let Some(cursor) = &request.cursor {
            query.push(("cursor", cursor.clone()));
        }
        self.get("/users", &borrowed(&query)).await
    }

    /// Every user a view, search and filters match ("select all matching"), up to the server's
    /// limit.
    pub async fn user_ids(
        &self,
        view: UserView,
        search: &str,
        filters: &UserFilters,
    ) -> Result<UserIds, ApiFailure> {
        let mut query = vec![("view", view.as_str().to_owned())];
        if !search.trim().is_empty() {
            query.push(("q", search.to_owned()));
        }
        query.extend(filters.pairs());
        self.get("/users/ids", &borrowed(&query)).await
    }

    /// Everything the list shows under its search, filters and sort (every page), as a CSV file.
    pub async fn export_users(&self, request: &UserListRequest) -> Result<Download, ApiFailure> {
        let query = request.view_query();
        let fallback = format!("roster-{}-users.csv", request.view.as_str());
        self.download("/users/export", &borrowed(&query), &fallback)
            .await
    }

    pub async fn user(&self, id: i64) -> Result<UserDetail, ApiFailure> {
        self.get(&format!("/users/{id}"), &[]).await
    }
}
