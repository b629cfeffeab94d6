//! `/import`: bulk import, when the organization's feature is on — the users it offers, and
//! importing a batch of them.

use axum::extract::State;
use roster_model::{
    BulkResponse, ImportRequest, Page, SortDir, SortField, UserIds, UserSummary, MAX_SELECT_ALL,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{self, Json, PageQuery, Query};
use super::openapi::Errors;
use crate::authz::Manager;
use crate::error::AppResult;
use crate::ops::import;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_batch))
        .routes(routes!(candidates))
        .routes(routes!(candidate_ids))
}

/// What "select all matching" selects.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    /// Text to find in names and emails.
    #[param(max_length = 200)]
    q: Option<String>,
}

/// Existing users on the organization's verified domains who belong to no organization, by name.
#[utoipa::path(get, path = "/import/candidates", tag = "import",
    params(PageQuery),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Page<UserSummary>), Errors))]
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

/// The ids of every candidate the search matches, up to 10,000: "select all matching".
#[utoipa::path(get, path = "/import/candidates/ids", tag = "import",
    params(SearchQuery),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = UserIds), Errors))]
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
    Ok(Json(UserIds {
        ids,
        total: total.count,
        total_capped: total.capped,
        invitation_ids: Vec::new(),
    }))
}

/// Imports a batch of at most 200 users, each in a transaction of their own; a result per user.
#[utoipa::path(post, path = "/import", tag = "import",
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = ImportRequest,
    responses((status = 200, body = BulkResponse), Errors))]
async fn import_batch(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Json(request): Json<ImportRequest>,
) -> AppResult<Json<BulkResponse>> {
    Ok(Json(import::import(&state, &caller, &request).await?))
}
