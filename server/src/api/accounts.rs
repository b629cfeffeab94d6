//! `/accounts`: the organization's accounts, and each account's User access page — its people and
//! roles, changes to them, and "Invite users".

use axum::extract::State;
use axum::http::StatusCode;
use roster_model::{
    account_roles_problem, AccountInvitation, AccountInvite, AccountInviteResult, AccountRoles,
    AccountSummary, AccountUser, Page, SortDir, SortField,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{self, changed, AccountId, Json, PageQuery, Query, UserId};
use super::openapi::Errors;
use crate::authz::Manager;
use crate::error::{AppError, AppResult};
use crate::ops::accounts;
use crate::state::AppState;
use crate::store::AccountListParams;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(account))
        .routes(routes!(users))
        .routes(routes!(set_roles, remove_user))
        .routes(routes!(invitations, invite))
}

fn no_access() -> AppError {
    AppError::not_found("This user has no access to the account (any more).")
}

fn page_params(query: &PageQuery) -> AppResult<AccountListParams> {
    Ok(AccountListParams {
        search: extract::search(query.q.as_deref())?,
        cursor: extract::cursor(query.cursor.as_deref(), SortField::Name, SortDir::Asc)?,
        limit: extract::limit(query.limit.as_deref())?,
    })
}

async fn load(state: &AppState, org_id: i64, id: i64) -> AppResult<AccountSummary> {
    state
        .store
        .account_summary(org_id, id)
        .await?
        .ok_or_else(AccountId::not_found)
}

/// One page of the organization's accounts, by name.
#[utoipa::path(get, path = "/accounts", tag = "accounts",
    params(PageQuery),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Page<AccountSummary>), Errors))]
async fn list(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Query(query): Query<PageQuery>,
) -> AppResult<Json<Page<AccountSummary>>> {
    let params = page_params(&query)?;
    Ok(Json(
        state.store.list_accounts(caller.org_id, &params).await?,
    ))
}

/// One account of the organization.
#[utoipa::path(get, path = "/accounts/{account_id}", tag = "accounts",
    params(("account_id" = i64, Path, description = "The account")),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = AccountSummary), Errors))]
async fn account(
    State(state): State<AppState>,
    Manager(caller): Manager,
    AccountId(id): AccountId,
) -> AppResult<Json<AccountSummary>> {
    Ok(Json(load(&state, caller.org_id, id).await?))
}

/// Everyone with access to the account, by name: members and external users, with their roles.
#[utoipa::path(get, path = "/accounts/{account_id}/users", tag = "accounts",
    params(("account_id" = i64, Path, description = "The account"), PageQuery),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Page<AccountUser>), Errors))]
async fn users(
    State(state): State<AppState>,
    Manager(caller): Manager,
    AccountId(id): AccountId,
    Query(query): Query<PageQuery>,
) -> AppResult<Json<Page<AccountUser>>> {
    let account = load(&state, caller.org_id, id).await?;
    let params = page_params(&query)?;
    Ok(Json(
        state
            .store
            .account_users(caller.org_id, account.id, &params)
            .await?,
    ))
}

/// Sets a user's roles on the account.
#[utoipa::path(put, path = "/accounts/{account_id}/users/{user_id}", tag = "accounts",
    params(("account_id" = i64, Path, description = "The account"), ("user_id" = i64, Path, description = "The user")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = AccountRoles,
    responses((status = 204, description = "Changed"), Errors))]
async fn set_roles(
    State(state): State<AppState>,
    Manager(caller): Manager,
    AccountId(account_id): AccountId,
    UserId(user_id): UserId,
    Json(AccountRoles { roles }): Json<AccountRoles>,
) -> AppResult<StatusCode> {
    let account = load(&state, caller.org_id, account_id).await?;
    if let Some(problem) = account_roles_problem(roles) {
        return Err(AppError::invalid("roles", problem));
    }
    let actor = caller.actor(state.clock.now());
    let outcome = state
        .store
        .change_account_access(&actor, account.id, user_id, Some(roles))
        .await?;
    changed(outcome, no_access)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes a user's access to the account away (never its owner's).
#[utoipa::path(delete, path = "/accounts/{account_id}/users/{user_id}", tag = "accounts",
    params(("account_id" = i64, Path, description = "The account"), ("user_id" = i64, Path, description = "The user")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    responses((status = 204, description = "Removed"), Errors))]
async fn remove_user(
    State(state): State<AppState>,
    Manager(caller): Manager,
    AccountId(account_id): AccountId,
    UserId(user_id): UserId,
) -> AppResult<StatusCode> {
    let account = load(&state, caller.org_id, account_id).await?;
    let actor = caller.actor(state.clock.now());
    let outcome = state
        .store
        .change_account_access(&actor, account.id, user_id, None)
        .await?;
    changed(outcome, no_access)?;
    Ok(StatusCode::NO_CONTENT)
}

/// An external user loses access to every account of the organization.
#[utoipa::path(delete, path = "/users/{user_id}/access", tag = "accounts",
    params(("user_id" = i64, Path, description = "The external user")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    responses((status = 204, description = "Removed"), Errors))]
pub(super) async fn remove_external_access(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(user_id): UserId,
) -> AppResult<StatusCode> {
    let actor = caller.actor(state.clock.now());
    let outcome = state.store.remove_external_access(&actor, user_id).await?;
    changed(outcome, no_access)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pending invitations to this account alone.
#[utoipa::path(get, path = "/accounts/{account_id}/invitations", tag = "accounts",
    params(("account_id" = i64, Path, description = "The account")),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<AccountInvitation>), Errors))]
async fn invitations(
    State(state): State<AppState>,
    Manager(caller): Manager,
    AccountId(id): AccountId,
) -> AppResult<Json<Vec<AccountInvitation>>> {
    let account = load(&state, caller.org_id, id).await?;
    Ok(Json(
        state
            .store
            .account_invitations(caller.org_id, account.id, state.clock.now())
            .await?,
    ))
}

/// "Invite users" on the account: members get access at once; anyone else an invitation to this
/// account alone (an external user once accepted). A result per address.
#[utoipa::path(post, path = "/accounts/{account_id}/invitations", tag = "accounts",
    params(("account_id" = i64, Path, description = "The account")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = AccountInvite,
    responses((status = 200, body = Vec<AccountInviteResult>), Errors))]
async fn invite(
    State(state): State<AppState>,
    Manager(caller): Manager,
    AccountId(id): AccountId,
    Json(request): Json<AccountInvite>,
) -> AppResult<Json<Vec<AccountInviteResult>>> {
    let account = load(&state, caller.org_id, id).await?;
    Ok(Json(
        accounts::invite(&state, &caller, &account, &request).await?,
    ))
}
