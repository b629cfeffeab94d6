//! `/audit`: the organization's audit log, newest first, filtered by actor, target and action.

use axum::extract::State;
use roster_model::{AuditEntry, Page, SortDir, SortField};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{self, Json, Query};
use super::openapi::Errors;
use crate::authz::Manager;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::AuditParams;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// Filters and one page of the audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// Text to find in who acted.
    #[param(max_length = 200)]
    actor: Option<String>,
    /// Text to find in whom it was done to.
    #[param(max_length = 200)]
    target: Option<String>,
    /// One action, such as `user.updated`.
    action: Option<String>,
    /// A page's `next_cursor` or `prev_cursor`.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 25).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

/// The organization's audit log, newest first.
#[utoipa::path(get, path = "/audit", tag = "audit",
    params(AuditQuery),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Page<AuditEntry>), Errors))]
async fn list(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Query(query): Query<AuditQuery>,
) -> AppResult<Json<Page<AuditEntry>>> {
    let params = AuditParams {
        actor: extract::search_in("actor", query.actor.as_deref())?,
        target: extract::search_in("target", query.target.as_deref())?,
        action: query
            .action
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty()),
        cursor: extract::cursor(query.cursor.as_deref(), SortField::Date, SortDir::Desc)?,
        limit: extract::limit(query.limit.as_deref())?,
    };
    Ok(Json(state.store.audit_log(caller.org_id, &params).await?))
}
