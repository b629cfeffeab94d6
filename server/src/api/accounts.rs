//! `/accounts`: the organization's accounts, and each account's User access page — its people and
//! roles, changes to them, and "Invite users".

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::Router;
use roster_model::{
    account_roles_problem, AccountInvitation, AccountInvite, AccountInviteResult, AccountRoles,
    AccountSummary, AccountUser, Page, SortDir, SortField,
};

use super::extract::{self, changed, AccountId, Json, PageQuery, Query, UserId};
use crate::authz::Manager;
use crate::error::{AppError, AppResult};
use crate::ops::accounts;
use crate::state::AppState;
use crate::store::AccountListParams;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list))
        .route("/accounts/{account_id}", get(account))
        .route("/accounts/{account_id}/users", get(users))
        .route(
            "/accounts/{account_id}/users/{user_id}",
            put(set_roles).delete(remove_user),
        )
        .route(
            "/accounts/{account_id}/invitations",
            get(invitations).post(invite),
        )
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

/// `GET /accounts?q=&cursor=&limit=`.
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

/// `GET /accounts/{account_id}`.
async fn account(
    State(state): State<AppState>,
    Manager(caller): Manager,
    AccountId(id): AccountId,
) -> AppResult<Json<AccountSummary>> {
    Ok(Json(load(&state, caller.org_id, id).await?))
}

/// `GET /accounts/{account_id}/users?q=&cursor=&limit=`: everyone with access, by name.
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

/// `PUT /accounts/{account_id}/users/{user_id}`: the user's roles on the account.
async fn set_roles(
    State(state): State<AppState>,
    Manager(caller): Manager,
    AccountId(account_id): AccountId,
    UserId(user_id): UserId,
    Json(AccountRoles { roles }): Json<AccountRoles>,
) -> AppResult<StatusCode> {
    let account = load(&state, caller.org_id, account_id).await?;
    if let Some(problem) = account_roles_problem(roles) {
        return Err(AppError::bad_field("roles", problem));
    }
    let actor = caller.actor(state.clock.now());
    let outcome = state
        .store
        .change_account_access(&actor, account.id, user_id, Some(roles))
        .await?;
    changed(outcome, no_access)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /accounts/{account_id}/users/{user_id}`: takes the user's access to the account away.
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

/// `DELETE /users/{user_id}/access`: an external user loses access to every account of the
/// organization.
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

/// `GET /accounts/{account_id}/invitations`: pending invitations to this account alone.
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

/// `POST /accounts/{account_id}/invitations`: members get access at once; anyone else an
/// invitation to this account alone. A result per address.
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
