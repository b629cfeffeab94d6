//! Managing one user: name and role, password reset, two-factor requirement, account access,
//! removal from the organization and deletion. Every change names the version it is based on
//! (If-Match) and answers the user as it is now, with the new version as its ETag.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use roster_model::{
    parse_version_tag, unacknowledged, AccessChange, BulkAction, BulkRequest, BulkResponse,
    BulkResult, Consequence, ErrorCode, LeaveRequest, TwoFactorRequirement, UserChange,
    DELETE_CONSEQUENCES, MAX_BULK_BATCH, REMOVE_CONSEQUENCES,
};

use super::invitations::{actor, checked_grants};
use super::{load_organization, no_such_user, with_etag};
use crate::authz::{Caller, Manager};
use crate::error::{AppError, AppResult};
use crate::ops::password_reset;
use crate::state::AppState;
use crate::store::UpdateOutcome;

pub(super) fn body<T>(body: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    body.map(|Json(value)| value).map_err(AppError::from)
}

fn user_id(id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| no_such_user())
}

/// The version a change is based on, from If-Match.
fn expected_version(headers: &HeaderMap) -> AppResult<i64> {
    let value = headers.get(header::IF_MATCH).ok_or_else(|| {
        AppError::new(
            ErrorCode::VersionRequired,
            "Send the version this change is based on as If-Match (the ETag of the user).",
        )
    })?;
    value
        .to_str()
        .ok()
        .and_then(parse_version_tag)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::BadRequest,
                "If-Match must be an ETag such as \"v3\".",
            )
        })
}

/// The answer to a change: the user as it is now, or why nothing changed.
async fn answer(
    state: &AppState,
    caller: &Caller,
    id: i64,
    outcome: UpdateOutcome,
) -> AppResult<Response> {
    match outcome {
        UpdateOutcome::NotFound => Err(no_such_user()),
        UpdateOutcome::Stale => Err(AppError::new(
            ErrorCode::StaleVersion,
            "Someone else changed this user while you were editing. Their changes are shown now; yours are kept so you can apply them again.",
        )),
        UpdateOutcome::Refused(problem) => Err(AppError::new(ErrorCode::Conflict, problem)),
        UpdateOutcome::Invalid(field, problem) => Err(AppError::bad_field(field, problem)),
        UpdateOutcome::Updated => {
            let detail = state
                .store
                .user_detail(caller.org_id, id, state.clock.now())
                .await?
                .ok_or_else(no_such_user)?;
            Ok(with_etag(detail))
        }
    }
}

/// `PATCH /users/{id}`: name and organization role.
pub async fn update_user(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(id): Path<String>,
    headers: HeaderMap,
    change: Result<Json<UserChange>, JsonRejection>,
) -> AppResult<Response> {
    let id = user_id(&id)?;
    let change = body(change)?;
    let expected = expected_version(&headers)?;
    let actor = actor(&caller, state.clock.now());
    let outcome = state
        .store
        .update_user(&actor, id, expected, &change)
        .await?;
    answer(&state, &caller, id, outcome).await
}

/// `POST /users/{id}/reset-password`: the old password stops working, sessions and tokens end,
/// and the user is mailed a single-use link to choose a new one.
pub async fn reset_password(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = user_id(&id)?;
    let expected = expected_version(&headers)?;
    let organization = load_organization(&state, caller.org_id).await?;
    let actor = actor(&caller, state.clock.now());
    let outcome =
        password_reset::reset(&state, &actor, &organization.name, id, Some(expected)).await?;
    answer(&state, &caller, id, outcome).await
}

/// `PUT /users/{id}/two-factor`: require two-factor sign-in (enrolment at next sign-in), or not.
pub async fn set_two_factor_required(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(id): Path<String>,
    headers: HeaderMap,
    requirement: Result<Json<TwoFactorRequirement>, JsonRejection>,
) -> AppResult<Response> {
    let id = user_id(&id)?;
    let requirement = body(requirement)?;
    let expected = expected_version(&headers)?;
    let outcome = state
        .store
        .set_two_factor_required(
            &actor(&caller, state.clock.now()),
            id,
            Some(expected),
            requirement.required,
        )
        .await?;
    answer(&state, &caller, id, outcome).await
}

/// `PUT /users/{id}/access`: the user's roles on each of the organization's accounts.
pub async fn set_access(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(id): Path<String>,
    headers: HeaderMap,
    change: Result<Json<AccessChange>, JsonRejection>,
) -> AppResult<Response> {
    let id = user_id(&id)?;
    let change = body(change)?;
    let expected = expected_version(&headers)?;
    checked_grants(&state, caller.org_id, &change.accounts).await?;
    let outcome = state
        .store
        .set_access(
            &actor(&caller, state.clock.now()),
            id,
            expected,
            &change.accounts,
        )
        .await?;
    answer(&state, &caller, id, outcome).await
}

/// `POST /users/{id}/remove` (rule 7): the user leaves the organization and stays active.
pub async fn remove_from_organization(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(id): Path<String>,
    headers: HeaderMap,
    request: Result<Json<LeaveRequest>, JsonRejection>,
) -> AppResult<Response> {
    leave(state, caller, &id, &headers, request, false).await
}

/// `POST /users/{id}/delete` (rule 8): the user is deleted; their accounts get new owners.
pub async fn delete_user(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(id): Path<String>,
    headers: HeaderMap,
    request: Result<Json<LeaveRequest>, JsonRejection>,
) -> AppResult<Response> {
    leave(state, caller, &id, &headers, request, true).await
}

async fn leave(
    state: AppState,
    caller: Caller,
    id: &str,
    headers: &HeaderMap,
    request: Result<Json<LeaveRequest>, JsonRejection>,
    delete: bool,
) -> AppResult<Response> {
    let id = user_id(id)?;
    let request = body(request)?;
    let expected = expected_version(headers)?;
    let consequences: &[Consequence] = if delete {
        &DELETE_CONSEQUENCES
    } else {
        &REMOVE_CONSEQUENCES
    };
    if !unacknowledged(consequences, &request.acknowledged).is_empty() {
        return Err(AppError::bad_field(
            "acknowledged",
            "Confirm each consequence before going on.",
        ));
    }
    let actor = actor(&caller, state.clock.now());
    let store = &state.store;
    let outcome = if delete {
        store
            .delete_user(&actor, id, Some(expected), &request.new_owners)
            .await?
    } else {
        store
            .remove_from_organization(&actor, id, Some(expected), &request.new_owners)
            .await?
    };
    match outcome {
        // No longer the organization's: there is no user page of theirs to answer with.
        UpdateOutcome::Updated => Ok(StatusCode::NO_CONTENT.into_response()),
        other => answer(&state, &caller, id, other).await,
    }
}

/// `POST /users/bulk`: one batch of a bulk action, each user on their own (one failing does not
/// stop the others), with a result per user.
pub async fn bulk(
    State(state): State<AppState>,
    Manager(caller): Manager,
    request: Result<Json<BulkRequest>, JsonRejection>,
) -> AppResult<Json<BulkResponse>> {
    let request = body(request)?;
    if request.ids.is_empty() || request.ids.len() > MAX_BULK_BATCH {
        return Err(AppError::bad_field(
            "ids",
            format!("Send 1 to {MAX_BULK_BATCH} users per request."),
        ));
    }
    if request.action == BulkAction::Remove
        && !unacknowledged(&REMOVE_CONSEQUENCES, &request.acknowledged).is_empty()
    {
        return Err(AppError::bad_field(
            "acknowledged",
            "Confirm each consequence before going on.",
        ));
    }
    let now = state.clock.now();
    let organization = load_organization(&state, caller.org_id).await?;
    let actor = actor(&caller, now);
    let mut results = Vec::with_capacity(request.ids.len());
    for id in request.ids {
        let Some(user) = state.store.user_detail(caller.org_id, id, now).await? else {
            results.push(BulkResult {
                id,
                name: None,
                ok: false,
                message: Some("Not a user of this organization (any more).".to_owned()),
            });
            continue;
        };
        let outcome = match request.action {
            BulkAction::RequireTwoFactor => {
                state
                    .store
                    .set_two_factor_required(&actor, id, None, true)
                    .await?
            }
            BulkAction::ResetPassword => {
                password_reset::reset(&state, &actor, &organization.name, id, None).await?
            }
            BulkAction::Remove => {
                state
                    .store
                    .remove_from_organization(&actor, id, None, &request.new_owners)
                    .await?
            }
        };
        let failure = match outcome {
            UpdateOutcome::Updated => None,
            UpdateOutcome::NotFound | UpdateOutcome::Stale => {
                Some("Not a managed user of this organization (any more).".to_owned())
            }
            UpdateOutcome::Refused(problem) => Some(problem.to_owned()),
            UpdateOutcome::Invalid(_, problem) => Some(problem),
        };
        results.push(BulkResult {
            id,
            name: Some(user.display_name()),
            ok: failure.is_none(),
            message: failure,
        });
    }
    state.mailer.wake();
    Ok(Json(BulkResponse { results }))
}
