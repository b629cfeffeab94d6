//! `/domains`: the organization's domains — claim one, verify it over DNS, remove it.

use axum::extract::State;
use axum::http::StatusCode;
use roster_model::{Domain, NewDomain};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{DomainId, Json};
use super::openapi::Errors;
use crate::authz::Manager;
use crate::error::AppResult;
use crate::ops::domains;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(remove))
        .routes(routes!(verify))
}

/// The organization's domains, with the TXT record each needs and its state.
#[utoipa::path(get, path = "/domains", tag = "domains",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<Domain>), Errors))]
async fn list(
    State(state): State<AppState>,
    Manager(caller): Manager,
) -> AppResult<Json<Vec<Domain>>> {
    Ok(Json(state.store.list_domains(caller.org_id).await?))
}

/// Claims a domain (IDN names become punycode), pending until its TXT record is found.
#[utoipa::path(post, path = "/domains", tag = "domains",
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = NewDomain,
    responses((status = 201, body = Domain), Errors))]
async fn add(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Json(new): Json<NewDomain>,
) -> AppResult<(StatusCode, Json<Domain>)> {
    let domain = domains::claim(&state, &caller, &new.name).await?;
    Ok((StatusCode::CREATED, Json(domain)))
}

/// Looks the domain's TXT record up now; answers the domain as it is after.
#[utoipa::path(post, path = "/domains/{domain_id}/verify", tag = "domains",
    params(("domain_id" = i64, Path, description = "The domain")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    responses((status = 200, body = Domain), Errors))]
async fn verify(
    State(state): State<AppState>,
    Manager(caller): Manager,
    DomainId(id): DomainId,
) -> AppResult<Json<Domain>> {
    let domain = domains::verify(&state, &caller, id)
        .await?
        .ok_or_else(DomainId::not_found)?;
    Ok(Json(domain))
}

/// Removes a domain: its addresses can no longer be invited (members on it stay).
#[utoipa::path(delete, path = "/domains/{domain_id}", tag = "domains",
    params(("domain_id" = i64, Path, description = "The domain")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    responses((status = 204, description = "Removed"), Errors))]
async fn remove(
    State(state): State<AppState>,
    Manager(caller): Manager,
    DomainId(id): DomainId,
) -> AppResult<StatusCode> {
    let actor = caller.actor(state.clock.now());
    if state.store.remove_domain(&actor, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(DomainId::not_found())
    }
}
