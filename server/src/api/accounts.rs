//! An account's User access page: its people and roles, changes to them, and "Invite users",
//! which gives members access at once and invites anyone else to the account alone.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use roster_model::{
    account_roles_problem, normalize_email, AccountInvitation, AccountInvite, AccountInviteOutcome,
    AccountInviteResult, AccountRoles, AccountSummary, AccountUser, ErrorCode, InvitedAccount,
    Page, SortDir, SortField, MAX_ACCOUNT_INVITE_EMAILS,
};

use super::invitations::actor;
use super::manage::body;
use super::{
    load_organization, no_such_user, parse_cursor, parse_limit, parse_search, query_or_error,
    ListQuery,
};
use crate::auth;
use crate::authz::Manager;
use crate::error::{AppError, AppResult};
use crate::mail::InvitationMail;
use crate::state::AppState;
use crate::store::{AccountListParams, MailQuota, PlannedAccountInvitation, UpdateOutcome};

fn no_such_account() -> AppError {
    AppError::not_found("The organization has no such account.")
}

fn parse_id(id: &str, missing: fn() -> AppError) -> AppResult<i64> {
    id.parse().map_err(|_| missing())
}

async fn load_account(state: &AppState, org_id: i64, id: &str) -> AppResult<AccountSummary> {
    let id = parse_id(id, no_such_account)?;
    state
        .store
        .account_summary(org_id, id)
        .await?
        .ok_or_else(no_such_account)
}

/// A change to someone's access, answered: done, or why not.
fn answered(outcome: UpdateOutcome) -> AppResult<StatusCode> {
    match outcome {
        UpdateOutcome::Updated => Ok(StatusCode::NO_CONTENT),
        UpdateOutcome::NotFound | UpdateOutcome::Stale => Err(AppError::not_found(
            "This user has no access to the account (any more).",
        )),
        UpdateOutcome::Refused(why) => Err(AppError::new(ErrorCode::Conflict, why)),
        UpdateOutcome::Invalid(field, why) => Err(AppError::bad_field(field, why)),
    }
}

/// `GET /accounts/{id}`.
pub async fn account(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(id): Path<String>,
) -> AppResult<Json<AccountSummary>> {
    Ok(Json(load_account(&state, caller.org_id, &id).await?))
}

/// `GET /accounts/{id}/users?q=&cursor=&limit=`: everyone with access, by name.
pub async fn users(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(id): Path<String>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> AppResult<Json<Page<AccountUser>>> {
    let account = load_account(&state, caller.org_id, &id).await?;
    let query = query_or_error(query)?;
    let params = AccountListParams {
        search: parse_search(query.q.as_deref())?,
        cursor: parse_cursor(query.cursor.as_deref(), SortField::Name, SortDir::Asc)?,
        limit: parse_limit(query.limit.as_deref())?,
    };
    Ok(Json(
        state
            .store
            .account_users(caller.org_id, account.id, &params)
            .await?,
    ))
}

/// `PUT /accounts/{id}/users/{user_id}`: the user's roles on the account.
pub async fn set_roles(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path((id, user_id)): Path<(String, String)>,
    roles: Result<Json<AccountRoles>, JsonRejection>,
) -> AppResult<StatusCode> {
    let account = load_account(&state, caller.org_id, &id).await?;
    let user_id = parse_id(&user_id, no_such_user)?;
    let AccountRoles { roles } = body(roles)?;
    if let Some(problem) = account_roles_problem(roles) {
        return Err(AppError::bad_field("roles", problem));
    }
    let actor = actor(&caller, state.clock.now());
    answered(
        state
            .store
            .change_account_access(&actor, account.id, user_id, Some(roles))
            .await?,
    )
}

/// `DELETE /accounts/{id}/users/{user_id}`: takes the user's access to the account away.
pub async fn remove_user(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path((id, user_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let account = load_account(&state, caller.org_id, &id).await?;
    let user_id = parse_id(&user_id, no_such_user)?;
    let actor = actor(&caller, state.clock.now());
    answered(
        state
            .store
            .change_account_access(&actor, account.id, user_id, None)
            .await?,
    )
}

/// `DELETE /users/{id}/access`: an external user loses access to every account of the organization.
pub async fn remove_external_access(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(user_id): Path<String>,
) -> AppResult<StatusCode> {
    let user_id = parse_id(&user_id, no_such_user)?;
    let actor = actor(&caller, state.clock.now());
    answered(state.store.remove_external_access(&actor, user_id).await?)
}

/// `GET /accounts/{id}/invitations`: pending invitations to this account alone.
pub async fn invitations(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<AccountInvitation>>> {
    let account = load_account(&state, caller.org_id, &id).await?;
    Ok(Json(
        state
            .store
            .account_invitations(caller.org_id, account.id, state.clock.now())
            .await?,
    ))
}

/// `POST /accounts/{id}/invitations`: members of the organization get access at once; anyone
/// else, on any domain, an invitation to this account that makes them an external user. Each
/// address gets its own result; one failing does not stop the others.
pub async fn invite(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Path(id): Path<String>,
    request: Result<Json<AccountInvite>, JsonRejection>,
) -> AppResult<Json<Vec<AccountInviteResult>>> {
    let account = load_account(&state, caller.org_id, &id).await?;
    let request = body(request)?;
    if request.emails.is_empty() || request.emails.len() > MAX_ACCOUNT_INVITE_EMAILS {
        return Err(AppError::bad_field(
            "emails",
            format!("Enter 1 to {MAX_ACCOUNT_INVITE_EMAILS} email addresses."),
        ));
    }
    if let Some(problem) = account_roles_problem(request.roles) {
        return Err(AppError::bad_field("roles", problem));
    }
    let organization = load_organization(&state, caller.org_id).await?;
    let now = state.clock.now();
    let actor = actor(&caller, now);
    let expires_at = now + state.settings.invitation_ttl_seconds;
    let granted = [InvitedAccount {
        name: account.name.clone(),
        roles: request.roles,
    }];
    let mut seen = std::collections::HashSet::new();
    let mut results = Vec::with_capacity(request.emails.len());
    for raw in &request.emails {
        let failed = |email: &str, message: String| AccountInviteResult {
            email: email.to_owned(),
            outcome: AccountInviteOutcome::Failed,
            message: Some(message),
        };
        let email = match normalize_email(raw) {
            Ok(email) => email,
            Err(problem) => {
                results.push(failed(raw.trim(), problem.to_string()));
                continue;
            }
        };
        if !seen.insert(email.clone()) {
            results.push(failed(
                &email,
                "This address is in the list twice.".to_owned(),
            ));
            continue;
        }
        let token = auth::new_token();
        let link = format!("{}/accept/{token}", state.settings.public_url);
        let mail = InvitationMail {
            to: &email,
            organization: &organization.name,
            invited_by: &caller.name,
            accounts: &granted,
            link: &link,
            expires_at,
            account_only: true,
        }
        .render();
        let planned = PlannedAccountInvitation {
            email: &email,
            roles: request.roles,
            token_hash: &auth::token_hash(&token),
            expires_at,
            mail: &mail,
            quota: MailQuota::OutsideOf {
                org_id: caller.org_id,
                per_day: state.settings.outside_mail_per_day,
            },
        };
        results.push(
            match state
                .store
                .invite_to_account(&actor, account.id, &planned)
                .await?
            {
                Ok(outcome) => AccountInviteResult {
                    email,
                    outcome,
                    message: None,
                },
                Err(why) => failed(&email, why.to_owned()),
            },
        );
    }
    if results
        .iter()
        .any(|r| r.outcome == AccountInviteOutcome::Invited)
    {
        state.mailer.wake();
    }
    Ok(Json(results))
}
