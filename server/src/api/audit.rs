//! `/audit`: the organization's audit log, newest first, filtered by actor, target and action.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use roster_model::{AuditEntry, Page, SortDir, SortField};
use serde::Deserialize;

use super::extract::{self, Json, Query};
use crate::authz::Manager;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::AuditParams;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list))
}

/// `?actor=&target=&action=&cursor=&limit=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    actor: Option<String>,
    target: Option<String>,
    action: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

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
