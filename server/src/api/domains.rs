//! The organization's domains: claim one, verify it over DNS, remove it.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use roster_model::{claimable_domain, Domain, ErrorCode, NewDomain};

use super::invitations::actor;
use super::manage::body;
use crate::auth::new_token;
use crate::authz::{Caller, Manager};
use crate::domains::check_domain;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{Checker, ClaimOutcome};

fn no_such_domain() -> AppError {
    AppError::not_found("The organization has no such domain.")
}

fn domain_id(id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| no_such_domain())
}

pub async fn list(
    State(state): State<AppState>,
    Manager(Caller { org_id: org, .. }): Manager,
) -> AppResult<Json<Vec<Domain>>> {
    Ok(Json(state.store.list_domains(org).await?))
}

/// `POST /domains`: claims a domain, pending until its TXT record is found. Whether another
/// organization holds it is not said here — only to whoever proves control of its DNS (see
/// `Store::record_domain_check`).
pub async fn add(
    State(state): State<AppState>,
    Manager(caller): Manager,
    new: Result<Json<NewDomain>, JsonRejection>,
) -> AppResult<(StatusCode, Json<Domain>)> {
    let new = body(new)?;
    let name =
        claimable_domain(&new.name).map_err(|e| AppError::bad_field("name", e.to_string()))?;
    let actor = actor(&caller, state.clock.now());
    match state
        .store
        .claim_domain(&actor, &name, &new_token())
        .await?
    {
        ClaimOutcome::Added(domain) => Ok((StatusCode::CREATED, Json(domain))),
        ClaimOutcome::AlreadyClaimed => Err(AppError::bad_field(
            "name",
            format!("The organization has claimed {name} already."),
        )),
    }
}

/// `POST /domains/{id}/verify`: looks the TXT record up now and answers the domain as it is after.
pub async fn verify(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(id): Path<String>,
) -> AppResult<Json<Domain>> {
    let id = domain_id(&id)?;
    let record = state
        .store
        .domain_record(caller.org_id, id)
        .await?
        .ok_or_else(no_such_domain)?;
    let actor = actor(&caller, state.clock.now());
    check_domain(&state, &record, Checker::Admin(&actor)).await?;
    // A lapsed domain at the end of its grace period is removed by the check.
    let domain = state.store.domain(caller.org_id, id).await?.ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            "The record was missing for 30 days, so the domain was removed. Add it again to verify it anew.",
        )
    })?;
    Ok(Json(domain))
}

/// `DELETE /domains/{id}`.
pub async fn remove(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let id = domain_id(&id)?;
    let actor = actor(&caller, state.clock.now());
    if state.store.remove_domain(&actor, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_such_domain())
    }
}
