//! The tabs of the user-management page with their filters, their CSV export, and one user.

use super::{first_read, ApiClient, ApiFailure, Download};
use roster_model::{
    FirstRead, Page, UserDetail, UserFilters, UserIds, UserListRequest, UserSummary, UserView,
    ViewCounts,
};

/// `(name, value)` pairs as the borrowed form requests take.
fn borrowed<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

impl ApiClient {
    /// How many users each tab lists under `filters`.
    pub async fn view_counts(&self, filters: &UserFilters) -> Result<ViewCounts, ApiFailure> {
        if filters.is_empty() {
            if let Some(counts) = first_read(FirstRead::Counts).await {
                return Ok(counts);
            }
        }
        self.get("/users/counts", &borrowed(&filters.pairs())).await
    }

    pub async fn users(&self, request: &UserListRequest) -> Result<Page<UserSummary>, ApiFailure> {
        if *request == UserListRequest::first_page(UserView::Managed) {
            if let Some(page) = first_read(FirstRead::Users).await {
                return Ok(page);
            }
        }
        self.get("/users", &borrowed(&request.query())).await
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
