//! Flows between the HTTP handlers and the store: what one operation does, step by step, under
//! the rules of `roster-model`. Handlers parse and answer; the store reads and writes.

pub mod accounts;
pub mod domains;
pub mod export;
pub mod import;
pub mod invitations;
pub mod maintenance;
pub mod manage;
pub mod password_resets;
pub mod scim;
pub mod session;
pub mod tokens;
pub mod user_filters;

use roster_model::Organization;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{StoreError, StoreResult, NO_LONGER_ACTS};

/// One item of a batch as the store answered it, or the item's own refusal when its admin no
/// longer acts as the request was authorized (suspended or given another role, or signed out,
/// while the batch ran): the items done before it keep their results, where failing the whole
/// request would say nothing of them.
fn batch_item<T>(answer: StoreResult<T>) -> AppResult<Result<T, &'static str>> {
    match answer {
        Err(StoreError::NoLongerActs) => Ok(Err(NO_LONGER_ACTS)),
        answer => Ok(Ok(answer?)),
    }
}

/// The caller's organization.
pub async fn organization(state: &AppState, org_id: i64) -> AppResult<Organization> {
    state
        .store
        .organization(org_id)
        .await?
        .ok_or_else(|| AppError::not_found("The organization no longer exists."))
}
