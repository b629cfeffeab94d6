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

/// The caller's organization.
pub async fn organization(state: &AppState, org_id: i64) -> AppResult<Organization> {
    state
        .store
        .organization(org_id)
        .await?
        .ok_or_else(|| AppError::not_found("The organization no longer exists."))
}
