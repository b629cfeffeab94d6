//! Bulk import (rule 5), when the organization's feature is on: the users it offers, and
//! importing a batch of them, each user in a transaction of their own.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::Json;
use roster_model::{
    BulkResponse, BulkResult, ErrorCode, ImportRequest, Page, SortDir, SortField, UserIds,
    UserSummary, IMPORT_DISABLED, MAX_BULK_BATCH, MAX_SELECT_ALL,
};

use super::invitations::actor;
use super::manage::body;
use super::{
    load_organization, parse_cursor, parse_limit, parse_search, query_or_error, ListQuery,
};
use crate::authz::{Caller, Manager};
use crate::error::{AppError, AppResult};
use crate::mail::imported_mail;
use crate::state::AppState;
use crate::store::ImportOutcome;

/// The organization's name, or the feature-disabled error when import is off for it.
async fn import_enabled(state: &AppState, caller: &Caller) -> AppResult<String> {
    let organization = load_organization(state, caller.org_id).await?;
    if organization.features.bulk_import {
        Ok(organization.name)
    } else {
        Err(AppError::new(ErrorCode::FeatureDisabled, IMPORT_DISABLED))
    }
}

/// `GET /import/candidates?q=&cursor=&limit=`.
pub async fn candidates(
    State(state): State<AppState>,
    Manager(caller): Manager,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> AppResult<Json<Page<UserSummary>>> {
    import_enabled(&state, &caller).await?;
    let query = query_or_error(query)?;
    let search = parse_search(query.q.as_deref())?;
    let cursor = parse_cursor(query.cursor.as_deref(), SortField::Name, SortDir::Asc)?;
    let limit = parse_limit(query.limit.as_deref())?;
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

/// `GET /import/candidates/ids?q=`: "select all matching".
pub async fn candidate_ids(
    State(state): State<AppState>,
    Manager(caller): Manager,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> AppResult<Json<UserIds>> {
    import_enabled(&state, &caller).await?;
    let query = query_or_error(query)?;
    let search = parse_search(query.q.as_deref())?;
    let (ids, total) = state
        .store
        .importable_ids(caller.org_id, search.as_deref(), MAX_SELECT_ALL)
        .await?;
    Ok(Json(UserIds { ids, total }))
}

/// `POST /import`: imports a batch; each user gets a result. Importing someone imported already
/// answers that they are a member, so a batch cut short can simply be sent again.
pub async fn import(
    State(state): State<AppState>,
    Manager(caller): Manager,
    request: Result<Json<ImportRequest>, JsonRejection>,
) -> AppResult<Json<BulkResponse>> {
    let organization = import_enabled(&state, &caller).await?;
    let request = body(request)?;
    if request.ids.is_empty() || request.ids.len() > MAX_BULK_BATCH {
        return Err(AppError::bad_field(
            "ids",
            format!("Send 1 to {MAX_BULK_BATCH} users per request."),
        ));
    }
    let sign_in = format!("{}/login", state.settings.public_url);
    let mut results = Vec::with_capacity(request.ids.len());
    let mut imported_any = false;
    for id in request.ids {
        let actor = actor(&caller, state.clock.now());
        let (outcome, name) = state
            .store
            .import_user(&actor, id, |email| {
                imported_mail(email, &organization, &caller.name, &sign_in)
            })
            .await?;
        imported_any |= outcome == ImportOutcome::Imported;
        let problem = match outcome {
            ImportOutcome::Imported => None,
            ImportOutcome::AlreadyMember => Some("Already a member of the organization."),
            ImportOutcome::NotImportable => Some(
                "Not importable: no such active user outside every organization on a verified domain of this one.",
            ),
        };
        results.push(BulkResult {
            id,
            name,
            ok: outcome == ImportOutcome::Imported,
            message: problem.map(str::to_owned),
        });
    }
    if imported_any {
        state.mailer.wake();
    }
    Ok(Json(BulkResponse { results }))
}
