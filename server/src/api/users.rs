//! `/users`: the tabs of the user-management page (Managed, External, Invited, Imported), their
//! counts, "select all matching", and one user's page.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use roster_model::{
    version_tag, Page, SortDir, SortField, UserDetail, UserIds, UserSummary, UserView, ViewCounts,
    MAX_SELECT_ALL,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{self, Json, Query, UserId};
use super::openapi::Errors;
use crate::authz::Manager;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::UserListParams;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(counts))
        .routes(routes!(ids))
}

/// One page of a tab of the user-management page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UserListQuery {
    /// The tab: managed (default), external, invited or imported.
    #[param(value_type = Option<UserView>)]
    view: Option<String>,
    /// Text to find in names and emails (case does not matter).
    #[param(max_length = 200)]
    q: Option<String>,
    /// name (default), email or date.
    #[param(value_type = Option<SortField>)]
    sort: Option<String>,
    /// asc (default) or desc.
    #[param(value_type = Option<SortDir>)]
    dir: Option<String>,
    /// A page's `next_cursor` or `prev_cursor`, under the same sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 25).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

/// What "select all matching" selects.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UserIdsQuery {
    /// The tab: managed (default), external, invited or imported.
    #[param(value_type = Option<UserView>)]
    view: Option<String>,
    /// Text to find in names and emails.
    #[param(max_length = 200)]
    q: Option<String>,
}

/// One page of a tab of the user-management page.
#[utoipa::path(get, path = "/users", tag = "users",
    params(UserListQuery),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Page<UserSummary>), Errors))]
async fn list(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Query(query): Query<UserListQuery>,
) -> AppResult<Json<Page<UserSummary>>> {
    let (sort, dir) = extract::sort(query.sort.as_deref(), query.dir.as_deref())?;
    let params = UserListParams {
        view: extract::view(query.view.as_deref())?,
        search: extract::search(query.q.as_deref())?,
        sort,
        dir,
        cursor: extract::cursor(query.cursor.as_deref(), sort, dir)?,
        limit: extract::limit(query.limit.as_deref())?,
    };
    Ok(Json(
        state
            .store
            .list_users(caller.org_id, &params, state.clock.now())
            .await?,
    ))
}

/// How many users each tab lists.
#[utoipa::path(get, path = "/users/counts", tag = "users",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = ViewCounts), Errors))]
async fn counts(
    State(state): State<AppState>,
    Manager(caller): Manager,
) -> AppResult<Json<ViewCounts>> {
    Ok(Json(state.store.view_counts(caller.org_id).await?))
}

/// Every user the view and search match, up to 10,000: "select all matching" for bulk actions.
#[utoipa::path(get, path = "/users/ids", tag = "users",
    params(UserIdsQuery),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = UserIds), Errors))]
async fn ids(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Query(query): Query<UserIdsQuery>,
) -> AppResult<Json<UserIds>> {
    let view = extract::view(query.view.as_deref())?;
    let search = extract::search(query.q.as_deref())?;
    let (ids, total) = state
        .store
        .user_ids(caller.org_id, view, search.as_deref(), MAX_SELECT_ALL)
        .await?;
    Ok(Json(UserIds { ids, total }))
}

/// A user's page, with its version as the ETag a change sends back in If-Match.
#[utoipa::path(get, path = "/users/{user_id}", tag = "users",
    params(("user_id" = i64, Path, description = "The user")),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = UserDetail, headers(("ETag" = String, description = "The user's version, for If-Match"))), Errors))]
pub(super) async fn detail(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
) -> AppResult<Response> {
    Ok(with_etag(
        state
            .store
            .user_detail(caller.org_id, id, state.clock.now())
            .await?
            .ok_or_else(UserId::not_found)?,
    ))
}

/// A user's page as the answer, with its version as the ETag.
pub(super) fn with_etag(detail: UserDetail) -> Response {
    let tag = version_tag(detail.version);
    ([(header::ETAG, tag)], Json(detail)).into_response()
}
