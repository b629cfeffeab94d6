//! `/import`: bulk import, when the organization's feature is on — the users it offers, and
//! importing a batch of them.

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use roster_model::{
    BulkResponse, ImportRequest, Page, SortDir, SortField, UserIds, UserSummary, MAX_SELECT_ALL,
};
use serde::Deserialize;

use super::extract::{self, Json, PageQuery, Query};
use crate::authz::Manager;
use crate::error::AppResult;
use crate::ops::import;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/import", post(import_batch))
        .route("/import/candidates", get(candidates))
        .route("/import/candidates/ids", get(candidate_ids))
}

/// `?q=`: what "select all matching" selects.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    q: Option<String>,
}

/// `GET /import/candidates?q=&cursor=&limit=`.
async fn candidates(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Query(query): Query<PageQuery>,
) -> AppResult<Json<Page<UserSummary>>> {
    import::enabled(&state, &caller).await?;
    let search = extract::search(query.q.as_deref())?;
    let cursor = extract::cursor(query.cursor.as_deref(), SortField::Name, SortDir::Asc)?;
    let limit = extract::limit(query.limit.as_deref())?;
    Ok(Json(
        state
            .store
            .importable_users(
                caller.org_id,
                search.as_deref(),
                cursor.as_ref(),
                limit,
                state.clock.now(),
            )
            .await?,
    ))
}

/// `GET /import/candidates/ids?q=`: "select all matching".
async fn candidate_ids(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Query(query): Query<SearchQuery>,
) -> AppResult<Json<UserIds>> {
    import::enabled(&state, &caller).await?;
    let search = extract::search(query.q.as_deref())?;
    let (ids, total) = state
        .store
        .importable_ids(caller.org_id, search.as_deref(), MAX_SELECT_ALL)
        .await?;
    Ok(Json(UserIds { ids, total }))
}

/// `POST /import`: imports a batch of at most 200; each user gets a result.
async fn import_batch(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Json(request): Json<ImportRequest>,
) -> AppResult<Json<BulkResponse>> {
    Ok(Json(import::import(&state, &caller, &request).await?))
}
