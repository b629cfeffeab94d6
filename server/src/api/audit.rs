//! `/audit`: the organization's audit log, newest first, filtered by actor, target and action, and
//! its CSV export.

use axum::extract::State;
use axum::response::Response;
use roster_model::{AuditEntry, Page, SortDir, SortField, DEFAULT_PAGE_SIZE};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{self, Json, Query};
use super::openapi::Errors;
use crate::authz::Manager;
use crate::error::AppResult;
use crate::ops;
use crate::state::AppState;
use crate::store::AuditParams;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(export))
}

/// Filters and one page of the audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// Text to find in who acted (`Name <address>` looks for the address).
    #[param(max_length = 200)]
    actor: Option<String>,
    /// Text to find in whom it was done to (`Name <address>` looks for the address).
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

/// The filters of an audit log export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AuditExportQuery {
    /// Text to find in who acted (`Name <address>` looks for the address).
    #[param(max_length = 200)]
    actor: Option<String>,
    /// Text to find in whom it was done to (`Name <address>` looks for the address).
    #[param(max_length = 200)]
    target: Option<String>,
    /// One action, such as `user.updated`.
    action: Option<String>,
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
        cursor: extract::cursor(query.cursor.as_deref(), SortField::Date, SortDir::Desc)?,
        limit: extract::limit(query.limit.as_deref())?,
        ..filtered(query.actor, query.target, query.action)?
    };
    Ok(Json(state.store.audit_log(caller.org_id, &params).await?))
}

/// The whole audit log under the filters, newest first, as CSV (streamed).
#[utoipa::path(get, path = "/audit/export", tag = "audit",
    params(AuditExportQuery),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String, headers(("Content-Disposition" = String, description = "attachment; filename=\"roster-audit-log-2026-11-30.csv\""))), Errors))]
async fn export(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Query(query): Query<AuditExportQuery>,
) -> AppResult<Response> {
    let params = filtered(query.actor, query.target, query.action)?;
    Ok(ops::export::audit(&state, caller.org_id, params))
}

/// The audit log under the filters given, from its newest entry.
fn filtered(
    actor: Option<String>,
    target: Option<String>,
    action: Option<String>,
) -> AppResult<AuditParams> {
    Ok(AuditParams {
        actor: extract::search_in("actor", actor.as_deref())?,
        target: extract::search_in("target", target.as_deref())?,
        action: action
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty()),
        cursor: None,
        limit: DEFAULT_PAGE_SIZE,
    })
}
