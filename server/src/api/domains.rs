//! `/domains`: the organization's domains — claim one, verify it over DNS, remove it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Router;
use roster_model::{Domain, NewDomain};

use super::extract::{DomainId, Json};
use crate::authz::Manager;
use crate::error::AppResult;
use crate::ops::domains;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/domains", get(list).post(add))
        .route("/domains/{domain_id}", delete(remove))
        .route("/domains/{domain_id}/verify", post(verify))
}

async fn list(
    State(state): State<AppState>,
    Manager(caller): Manager,
) -> AppResult<Json<Vec<Domain>>> {
    Ok(Json(state.store.list_domains(caller.org_id).await?))
}

/// `POST /domains`: claims a domain, pending until its TXT record is found.
async fn add(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Json(new): Json<NewDomain>,
) -> AppResult<(StatusCode, Json<Domain>)> {
    let domain = domains::claim(&state, &caller, &new.name).await?;
    Ok((StatusCode::CREATED, Json(domain)))
}

/// `POST /domains/{domain_id}/verify`: looks the TXT record up now and answers the domain as it is after.
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

/// `DELETE /domains/{domain_id}`.
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
