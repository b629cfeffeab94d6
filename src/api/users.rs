//! The tabs of the user-management page, and one user.

use super::{ApiClient, ApiFailure};
use roster_model::{
    Page, SortDir, SortField, UserDetail, UserIds, UserSummary, UserView, ViewCounts,
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
}

impl ApiClient {
    pub async fn view_counts(&self) -> Result<ViewCounts, ApiFailure> {
        self.get("/users/counts", &[]).await
    }

    pub async fn users(&self, request: &UserListRequest) -> Result<Page<UserSummary>, ApiFailure> {
        let limit = request.limit.to_string();
        let mut query = vec![
            ("view", request.view.as_str()),
            ("sort", request.sort.as_str()),
            ("dir", request.dir.as_str()),
            ("limit", limit.as_str()),
        ];
        if !request.search.trim().is_empty() {
            query.push(("q", request.search.as_str()));
        }
        if let Some(cursor) = &request.cursor {
            query.push(("cursor", cursor.as_str()));
        }
        self.get("/users", &query).await
    }

    /// Every user a view and search match ("select all matching"), up to the server's limit.
    pub async fn user_ids(&self, view: UserView, search: &str) -> Result<UserIds, ApiFailure> {
        let mut query = vec![("view", view.as_str())];
        if !search.trim().is_empty() {
            query.push(("q", search));
        }
        self.get("/users/ids", &query).await
    }

    pub async fn user(&self, id: i64) -> Result<UserDetail, ApiFailure> {
        self.get(&format!("/users/{id}"), &[]).await
    }
}
