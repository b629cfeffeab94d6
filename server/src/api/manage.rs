//! Managing one member: name and role, password reset, two-factor requirement, suspension,
//! account access, removal from the organization and deletion, and bulk actions. Every change names the version it
//! is based on (If-Match) and answers the user as it is now, with the new version as its ETag.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use roster_model::{
    AccessChange, BulkRequest, BulkResponse, Leave, LeaveRequest, TwoFactorRequirement, UserChange,
    UserDetail,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::{__path_remove_external_access, remove_external_access};
use super::extract::{changed, IfMatch, Json, UserId};
use super::openapi::{Errors, VersionErrors};
use super::users::{__path_detail, detail, with_etag};
use crate::authz::{Caller, Manager};
use crate::error::{AppError, AppResult};
use crate::ops::manage;
use crate::ops::{self, accounts, password_resets};
use crate::state::AppState;
use crate::store::UpdateOutcome;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(bulk))
        .routes(routes!(detail, update))
        .routes(routes!(reset_password))
        .routes(routes!(set_two_factor_required))
        .routes(routes!(reset_two_factor))
        .routes(routes!(suspend))
        .routes(routes!(restore))
        .routes(routes!(set_access, remove_external_access))
        .routes(routes!(remove))
        .routes(routes!(delete))
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

/// Changes a member's name or organization role (only Owners grant or take away Owner).
#[utoipa::path(patch, path = "/users/{user_id}", tag = "manage",
    params(("user_id" = i64, Path, description = "The user"), ("If-Match" = String, Header, pattern = r#"^(W/)?"v[0-9]{1,18}"$"#, description = "The ETag the user was read with, such as \"v3\"")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = UserChange,
    responses((status = 200, body = UserDetail, headers(("ETag" = String, description = "The user's new version"))), Errors, VersionErrors))]
async fn update(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
    IfMatch(expected): IfMatch,
    Json(change): Json<UserChange>,
) -> AppResult<Response> {
    if let Some((field, problem)) = change.problem() {
        return Err(AppError::invalid(field, problem));
    }
    let actor = caller.actor(state.clock.now());
    let outcome = state
        .store
        .update_user(&actor, id, expected, &change)
        .await?;
    answer(&state, &caller, id, outcome).await
}

/// Resets a member's password: the old one stops working, their sessions and tokens end, and they are mailed a single-use link to choose a new one.
#[utoipa::path(post, path = "/users/{user_id}/reset-password", tag = "manage",
    params(("user_id" = i64, Path, description = "The user"), ("If-Match" = String, Header, pattern = r#"^(W/)?"v[0-9]{1,18}"$"#, description = "The ETag the user was read with, such as \"v3\"")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    responses((status = 200, body = UserDetail, headers(("ETag" = String, description = "The user's new version"))), Errors, VersionErrors))]
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

/// Requires two-factor sign-in of a member (they enrol at their next sign-in), or stops requiring it.
#[utoipa::path(put, path = "/users/{user_id}/two-factor", tag = "manage",
    params(("user_id" = i64, Path, description = "The user"), ("If-Match" = String, Header, pattern = r#"^(W/)?"v[0-9]{1,18}"$"#, description = "The ETag the user was read with, such as \"v3\"")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = TwoFactorRequirement,
    responses((status = 200, body = UserDetail, headers(("ETag" = String, description = "The user's new version"))), Errors, VersionErrors))]
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

/// Resets a member's two-factor sign-in (a lost phone): their authenticator app and recovery codes stop working and their sessions end; they sign in next with their password alone, and set two-factor up again where it is required. They are told by mail. Refused (422) when they have not set it up.
#[utoipa::path(post, path = "/users/{user_id}/reset-two-factor", tag = "manage",
    params(("user_id" = i64, Path, description = "The user"), ("If-Match" = String, Header, pattern = r#"^(W/)?"v[0-9]{1,18}"$"#, description = "The ETag the user was read with, such as \"v3\"")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    responses((status = 200, body = UserDetail, headers(("ETag" = String, description = "The user's new version"))), Errors, VersionErrors))]
async fn reset_two_factor(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
    IfMatch(expected): IfMatch,
) -> AppResult<Response> {
    let outcome = manage::reset_two_factor(&state, &caller, id, expected).await?;
    answer(&state, &caller, id, outcome).await
}

/// Suspends a member: they cannot sign in, their sessions and API tokens end at once, and they keep their accounts and roles until restored.
#[utoipa::path(post, path = "/users/{user_id}/suspend", tag = "manage",
    params(("user_id" = i64, Path, description = "The user"), ("If-Match" = String, Header, pattern = r#"^(W/)?"v[0-9]{1,18}"$"#, description = "The ETag the user was read with, such as \"v3\"")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    responses((status = 200, body = UserDetail, headers(("ETag" = String, description = "The user's new version"))), Errors, VersionErrors))]
async fn suspend(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
    IfMatch(expected): IfMatch,
) -> AppResult<Response> {
    set_suspended(&state, &caller, id, expected, true).await
}

/// Restores a suspended member: they can sign in again, with the accounts and roles they kept.
#[utoipa::path(post, path = "/users/{user_id}/restore", tag = "manage",
    params(("user_id" = i64, Path, description = "The user"), ("If-Match" = String, Header, pattern = r#"^(W/)?"v[0-9]{1,18}"$"#, description = "The ETag the user was read with, such as \"v3\"")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    responses((status = 200, body = UserDetail, headers(("ETag" = String, description = "The user's new version"))), Errors, VersionErrors))]
async fn restore(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
    IfMatch(expected): IfMatch,
) -> AppResult<Response> {
    set_suspended(&state, &caller, id, expected, false).await
}

async fn set_suspended(
    state: &AppState,
    caller: &Caller,
    id: i64,
    expected: i64,
    suspended: bool,
) -> AppResult<Response> {
    let actor = caller.actor(state.clock.now());
    let outcome = state
        .store
        .set_suspended(&actor, id, Some(expected), suspended)
        .await?;
    answer(state, caller, id, outcome).await
}

/// Sets a member's roles on the organization's accounts, all of them at once (an account left out loses their access; an account they own cannot be).
#[utoipa::path(put, path = "/users/{user_id}/access", tag = "manage",
    params(("user_id" = i64, Path, description = "The user"), ("If-Match" = String, Header, pattern = r#"^(W/)?"v[0-9]{1,18}"$"#, description = "The ETag the user was read with, such as \"v3\"")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = AccessChange,
    responses((status = 200, body = UserDetail, headers(("ETag" = String, description = "The user's new version"))), Errors, VersionErrors))]
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

/// Removes a member from the organization: they stay a user of the system; every account they own gets the chosen new owner, an active (not suspended) member, or themselves (it then leaves the organization).
#[utoipa::path(post, path = "/users/{user_id}/remove", tag = "manage",
    params(("user_id" = i64, Path, description = "The user"), ("If-Match" = String, Header, pattern = r#"^(W/)?"v[0-9]{1,18}"$"#, description = "The ETag the user was read with, such as \"v3\"")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = LeaveRequest,
    responses((status = 204, description = "Removed"), Errors, VersionErrors))]
async fn remove(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
    IfMatch(expected): IfMatch,
    Json(request): Json<LeaveRequest>,
) -> AppResult<Response> {
    left(&state, &caller, id, expected, Leave::Remove, &request).await
}

/// Deletes a member from the system; every account they own gets the chosen new owner, another active (not suspended) member.
#[utoipa::path(post, path = "/users/{user_id}/delete", tag = "manage",
    params(("user_id" = i64, Path, description = "The user"), ("If-Match" = String, Header, pattern = r#"^(W/)?"v[0-9]{1,18}"$"#, description = "The ETag the user was read with, such as \"v3\"")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = LeaveRequest,
    responses((status = 204, description = "Deleted"), Errors, VersionErrors))]
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

/// One batch (1 to 200 users) of a bulk action, with a result per user.
#[utoipa::path(post, path = "/users/bulk", tag = "manage",
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = BulkRequest,
    responses((status = 200, body = BulkResponse), Errors))]
async fn bulk(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Json(request): Json<BulkRequest>,
) -> AppResult<Json<BulkResponse>> {
    Ok(Json(manage::bulk(&state, &caller, &request).await?))
}
