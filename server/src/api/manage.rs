//! Managing one member: name and role, password reset, two-factor requirement, account access,
//! removal from the organization and deletion, and bulk actions. Every change names the version it
//! is based on (If-Match) and answers the user as it is now, with the new version as its ETag.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use roster_model::{
    AccessChange, BulkRequest, BulkResponse, LeaveRequest, TwoFactorRequirement, UserChange,
};

use super::accounts::remove_external_access;
use super::extract::{changed, IfMatch, Json, UserId};
use super::users::{detail, with_etag};
use crate::authz::{Caller, Manager};
use crate::error::AppResult;
use crate::ops::manage::{self, Leave};
use crate::ops::{self, accounts, password_resets};
use crate::state::AppState;
use crate::store::UpdateOutcome;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users/bulk", post(bulk))
        .route("/users/{user_id}", get(detail).patch(update))
        .route("/users/{user_id}/reset-password", post(reset_password))
        .route("/users/{user_id}/two-factor", put(set_two_factor_required))
        .route(
            "/users/{user_id}/access",
            put(set_access).delete(remove_external_access),
        )
        .route("/users/{user_id}/remove", post(remove))
        .route("/users/{user_id}/delete", post(delete))
}

/// The answer to a change: the user as it is now, or why nothing changed.
async fn answer(
    state: &AppState,
    caller: &Caller,
    id: i64,
    outcome: UpdateOutcome,
) -> AppResult<Response> {
    changed(outcome, UserId::not_found)?;
    let detail = state
        .store
        .user_detail(caller.org_id, id, state.clock.now())
        .await?
        .ok_or_else(UserId::not_found)?;
    Ok(with_etag(detail))
}

/// `PATCH /users/{user_id}`: name and organization role.
async fn update(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
    IfMatch(expected): IfMatch,
    Json(change): Json<UserChange>,
) -> AppResult<Response> {
    let actor = caller.actor(state.clock.now());
    let outcome = state
        .store
        .update_user(&actor, id, expected, &change)
        .await?;
    answer(&state, &caller, id, outcome).await
}

/// `POST /users/{user_id}/reset-password`: the old password stops working, sessions and tokens
/// end, and the user is mailed a single-use link to choose a new one.
async fn reset_password(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
    IfMatch(expected): IfMatch,
) -> AppResult<Response> {
    let organization = ops::organization(&state, caller.org_id).await?;
    let actor = caller.actor(state.clock.now());
    let outcome =
        password_resets::reset(&state, &actor, &organization.name, id, Some(expected)).await?;
    answer(&state, &caller, id, outcome).await
}

/// `PUT /users/{user_id}/two-factor`: require two-factor sign-in (enrolment at next sign-in), or not.
async fn set_two_factor_required(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
    IfMatch(expected): IfMatch,
    Json(requirement): Json<TwoFactorRequirement>,
) -> AppResult<Response> {
    let actor = caller.actor(state.clock.now());
    let outcome = state
        .store
        .set_two_factor_required(&actor, id, Some(expected), requirement.required)
        .await?;
    answer(&state, &caller, id, outcome).await
}

/// `PUT /users/{user_id}/access`: the user's roles on each of the organization's accounts.
async fn set_access(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
    IfMatch(expected): IfMatch,
    Json(change): Json<AccessChange>,
) -> AppResult<Response> {
    accounts::checked_grants(&state, caller.org_id, &change.accounts).await?;
    let actor = caller.actor(state.clock.now());
    let outcome = state
        .store
        .set_access(&actor, id, expected, &change.accounts)
        .await?;
    answer(&state, &caller, id, outcome).await
}

/// `POST /users/{user_id}/remove`: the user leaves the organization and stays active.
async fn remove(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
    IfMatch(expected): IfMatch,
    Json(request): Json<LeaveRequest>,
) -> AppResult<Response> {
    left(&state, &caller, id, expected, Leave::Remove, &request).await
}

/// `POST /users/{user_id}/delete`: the user is deleted; their accounts get new owners.
async fn delete(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
    IfMatch(expected): IfMatch,
    Json(request): Json<LeaveRequest>,
) -> AppResult<Response> {
    left(&state, &caller, id, expected, Leave::Delete, &request).await
}

async fn left(
    state: &AppState,
    caller: &Caller,
    id: i64,
    expected: i64,
    how: Leave,
    request: &LeaveRequest,
) -> AppResult<Response> {
    match manage::leave(state, caller, id, expected, how, request).await? {
        // No longer the organization's: there is no user page of theirs to answer with.
        UpdateOutcome::Updated => Ok(StatusCode::NO_CONTENT.into_response()),
        other => answer(state, caller, id, other).await,
    }
}

/// `POST /users/bulk`: one batch of a bulk action, with a result per user.
async fn bulk(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Json(request): Json<BulkRequest>,
) -> AppResult<Json<BulkResponse>> {
    Ok(Json(manage::bulk(&state, &caller, &request).await?))
}
