//! `/users`: the tabs of the user-management page (Managed, External, Invited, Imported), their
//! counts, "select all matching", and one user's page.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use roster_model::{
    version_tag, Page, UserDetail, UserIds, UserSummary, ViewCounts, MAX_SELECT_ALL,
};
use serde::Deserialize;

use super::extract::{self, Json, Query, UserId};
use crate::authz::Manager;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::UserListParams;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/counts", get(counts))
        .route("/users/ids", get(ids))
}

/// `?view=&q=&sort=&dir=&cursor=&limit=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserListQuery {
    view: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

/// `?view=&q=`: what "select all matching" selects.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserIdsQuery {
    view: Option<String>,
    q: Option<String>,
}

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

async fn counts(
    State(state): State<AppState>,
    Manager(caller): Manager,
) -> AppResult<Json<ViewCounts>> {
    Ok(Json(state.store.view_counts(caller.org_id).await?))
}

/// Every user the view and search match, up to a limit: "select all matching" for bulk actions.
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

/// `GET /users/{user_id}`: a user's page, with its version as the ETag a change must send back
/// in If-Match.
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
