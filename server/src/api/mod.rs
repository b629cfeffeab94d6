//! HTTP handlers of `/api/v1`. Each one parses its input, calls the store and shapes the answer;
//! the rules live in roster-model and the SQL in the store.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{middleware, Json, Router};
use roster_model::{
    new_password_problem, new_token_problem, sign_in_email, AccountSummary, ApiToken, AuditEntry,
    ChangePassword, ConfirmTwoFactor, CreatedApiToken, ErrorCode, Me, NewApiToken, OrgRole,
    Organization, Page, SignIn, SortDir, SortField, TwoFactorEnrolled, TwoFactorSetup, UserDetail,
    UserRef, UserSummary, UserView, ViewCounts, DEFAULT_PAGE_SIZE, DEFAULT_TOKEN_DAYS,
    MAX_EMAIL_LEN, MAX_PAGE_SIZE, MAX_PASSWORD_CHARS, MAX_SEARCH_LEN,
};
use roster_model::{version_tag, UserIds, MAX_SELECT_ALL};
use serde::Deserialize;

mod accounts;
mod domains;
mod import;
mod invitations;
mod manage;
mod password_resets;

use crate::auth;
use crate::authz::{client, csrf_guard, Caller, Manager, Owner, PendingCaller};
use crate::cursor::Cursor;
use crate::error::{AppError, AppResult};
use crate::ops::sign_in::{authenticate, hash_new_password, invalid_code, verify_current_password};
use crate::state::AppState;
use crate::store::{AccountListParams, AuditEvent, AuditParams, SecondFactorUse, UserListParams};
use crate::two_factor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route(
            "/session",
            get(current_session).post(sign_in).delete(sign_out),
        )
        .route("/session/password", post(change_password))
        .route("/session/two-factor/setup", post(begin_two_factor_setup))
        .route("/session/two-factor", post(confirm_two_factor))
        .route("/organization", get(organization))
        .route("/users", get(list_users))
        .route("/users/counts", get(view_counts))
        .route("/users/ids", get(user_ids))
        .route("/users/bulk", post(manage::bulk))
        .route("/users/{id}", get(user_detail).patch(manage::update_user))
        .route("/users/{id}/reset-password", post(manage::reset_password))
        .route(
            "/users/{id}/two-factor",
            put(manage::set_two_factor_required),
        )
        .route(
            "/users/{id}/access",
            put(manage::set_access).delete(accounts::remove_external_access),
        )
        .route("/users/{id}/remove", post(manage::remove_from_organization))
        .route("/users/{id}/delete", post(manage::delete_user))
        .route("/accounts", get(list_accounts))
        .route("/accounts/{id}", get(accounts::account))
        .route("/accounts/{id}/users", get(accounts::users))
        .route(
            "/accounts/{id}/users/{user_id}",
            put(accounts::set_roles).delete(accounts::remove_user),
        )
        .route(
            "/accounts/{id}/invitations",
            get(accounts::invitations).post(accounts::invite),
        )
        .route("/domains", get(domains::list).post(domains::add))
        .route("/domains/{id}", delete(domains::remove))
        .route("/domains/{id}/verify", post(domains::verify))
        .route("/audit", get(audit_log))
        .route("/import", post(import::import))
        .route("/import/candidates", get(import::candidates))
        .route("/import/candidates/ids", get(import::candidate_ids))
        .route("/invitations", post(invitations::create))
        .route("/invitations/check", post(invitations::check))
        .route("/invitations/resend", post(invitations::resend))
        .route("/invitations/revoke", post(invitations::revoke))
        .route("/invitations/accept", post(invitations::accept))
        .route("/invitations/token/{token}", get(invitations::preview))
        .route("/password-resets/{token}", get(password_resets::preview))
        .route("/password-resets/complete", post(password_resets::complete))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(csrf_guard))
}

/// Answer for any path under /api that no route matches: JSON, never the app's HTML.
pub async fn not_found() -> AppError {
    AppError::not_found("There is no such API endpoint.")
}

async fn method_not_allowed() -> AppError {
    AppError::new(
        ErrorCode::BadRequest,
        "This endpoint does not accept that HTTP method.",
    )
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn organization(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Organization>> {
    Ok(Json(load_organization(&state, caller.org_id).await?))
}

async fn load_organization(state: &AppState, org_id: i64) -> AppResult<Organization> {
    state
        .store
        .organization(org_id)
        .await?
        .ok_or_else(|| AppError::not_found("The organization no longer exists."))
}

pub(crate) fn me(caller: &Caller, organization: Organization) -> Me {
    Me {
        user: UserRef {
            id: caller.user_id,
            name: caller.name.clone(),
            email: caller.email.clone(),
        },
        organization,
        role: caller.role,
        manages_users: caller.role.manages_users(),
        must_enrol_two_factor: caller.must_enrol_two_factor,
        two_factor_enrolled: caller.two_factor_enrolled,
    }
}

async fn current_session(
    State(state): State<AppState>,
    PendingCaller { caller, .. }: PendingCaller,
) -> AppResult<Json<Me>> {
    let organization = load_organization(&state, caller.org_id).await?;
    Ok(Json(me(&caller, organization)))
}

fn audit<'a>(caller: &'a Caller, action: &'a str, at: i64) -> AuditEvent<'a> {
    AuditEvent {
        org_id: Some(caller.org_id),
        actor_id: Some(caller.user_id),
        actor_label: &caller.name,
        action,
        target_id: Some(caller.user_id),
        target_label: Some(&caller.name),
        details: serde_json::json!({}),
        client_addr: &caller.client_addr,
        at,
    }
}

/// Signs in with email and password (and a second factor for users enrolled in two-factor). A
/// wrong email and a wrong password get the same answer, after the same work; failures make
/// further attempts wait (see `ops::sign_in`).
async fn sign_in(
    State(state): State<AppState>,
    parts: Parts,
    body: Result<Json<SignIn>, JsonRejection>,
) -> AppResult<Response> {
    let Json(request) = body?;
    let now = state.clock.now();
    let client = client(&parts);
    // Oversized input is refused before any work is done or anything is stored.
    if request.email.trim().len() > MAX_EMAIL_LEN {
        return Err(AppError::bad_field(
            "email",
            format!("An email address is at most {MAX_EMAIL_LEN} characters long."),
        ));
    }
    if request.password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(AppError::bad_field(
            "password",
            format!("A password is at most {MAX_PASSWORD_CHARS} characters long."),
        ));
    }
    let email = sign_in_email(&request.email);
    if email.is_empty() {
        return Err(AppError::bad_field("email", "Enter your email address."));
    }
    if request.password.is_empty() {
        return Err(AppError::bad_field("password", "Enter your password."));
    }
    let (credentials, second_factor) = authenticate(
        &state,
        &client.addr,
        &email,
        request.password,
        request.code.as_deref(),
        now,
    )
    .await?;
    let Some(org_id) = credentials.org_id else {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "Your user is not a member of an organization that uses Roster.",
        ));
    };

    let token = auth::new_token();
    let by_recovery_code = matches!(second_factor, Some(SecondFactorUse::RecoveryCode { .. }));
    let event = AuditEvent {
        org_id: Some(org_id),
        actor_id: Some(credentials.user_id),
        actor_label: &credentials.label,
        action: if by_recovery_code {
            "session.recovery_code_used"
        } else {
            "session.signed_in"
        },
        target_id: Some(credentials.user_id),
        target_label: Some(&credentials.label),
        details: serde_json::json!({}),
        client_addr: &client.addr,
        at: now,
    };
    let started = state
        .store
        .start_session(
            credentials.user_id,
            &email,
            &auth::token_hash(&token),
            second_factor,
            &event,
        )
        .await?;
    if !started {
        // Another sign-in spent the same code a moment ago.
        return Err(invalid_code());
    }
    let caller = Caller {
        user_id: credentials.user_id,
        name: credentials.label,
        email: credentials.email,
        org_id,
        role: credentials.role.unwrap_or(OrgRole::Member),
        client_addr: client.addr,
        must_enrol_two_factor: credentials.two_factor.must_enrol(),
        two_factor_enrolled: credentials.two_factor.secret.is_some(),
        password_hash: None,
        via_token: false,
    };
    signed_in(&state, &caller, &token, client.https).await
}

/// The answer that starts a session: who is signed in, and the session cookie.
pub(crate) async fn signed_in(
    state: &AppState,
    caller: &Caller,
    token: &str,
    https: bool,
) -> AppResult<Response> {
    let body = me(caller, load_organization(state, caller.org_id).await?);
    let cookie = auth::session_cookie(token, https);
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Starts setting up two-factor for the signed-in user: a new secret, kept on this session until
/// a code confirms it.
async fn begin_two_factor_setup(
    State(state): State<AppState>,
    PendingCaller {
        caller, session_id, ..
    }: PendingCaller,
) -> AppResult<Json<TwoFactorSetup>> {
    if caller.two_factor_enrolled {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "Two-factor sign-in is already set up for you.",
        ));
    }
    let secret = two_factor::new_secret();
    let setup = two_factor::setup(&secret, &caller.email).ok_or_else(|| {
        AppError::new(
            ErrorCode::Internal,
            "The two-factor secret could not be made.",
        )
    })?;
    state
        .store
        .begin_two_factor_setup(session_id, &secret)
        .await?;
    Ok(Json(setup))
}

/// Confirms the secret being set up with a code from the app; answers the recovery codes, once.
async fn confirm_two_factor(
    State(state): State<AppState>,
    PendingCaller {
        caller,
        totp_setup_secret,
        ..
    }: PendingCaller,
    body: Result<Json<ConfirmTwoFactor>, JsonRejection>,
) -> AppResult<Json<TwoFactorEnrolled>> {
    let Json(request) = body?;
    let Some(secret) = totp_setup_secret else {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "Start the set-up again: this session has no two-factor secret waiting for a code.",
        ));
    };
    let now = state.clock.now();
    let step = two_factor::matching_step(&secret, &caller.email, &request.code, now, None)
        .ok_or_else(|| {
            AppError::bad_field(
                "code",
                "That code does not match. Check that the app shows a code for Roster and that your device's clock is right, then try the current code.",
            )
        })?;
    let recovery_codes = two_factor::new_recovery_codes();
    let hashes: Vec<String> = recovery_codes
        .iter()
        .map(|code| two_factor::recovery_code_hash(code))
        .collect();
    let event = audit(&caller, "user.two_factor_enrolled", now);
    if !state
        .store
        .enrol_two_factor(caller.user_id, &secret, step, &hashes, &event)
        .await?
    {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "Two-factor sign-in is already set up for you.",
        ));
    }
    let caller = Caller {
        must_enrol_two_factor: false,
        two_factor_enrolled: true,
        ..caller
    };
    let organization = load_organization(&state, caller.org_id).await?;
    Ok(Json(TwoFactorEnrolled {
        recovery_codes,
        me: me(&caller, organization),
    }))
}

/// Replaces the signed-in user's password. The current password must be given (and is
/// throttled like sign-in); the user's other sessions and their API tokens end.
async fn change_password(
    State(state): State<AppState>,
    PendingCaller {
        caller, session_id, ..
    }: PendingCaller,
    body: Result<Json<ChangePassword>, JsonRejection>,
) -> AppResult<Json<Me>> {
    let Json(request) = body?;
    if request.current_password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(AppError::bad_field(
            "current_password",
            "That is not your current password.",
        ));
    }
    if let Some(problem) = new_password_problem(
        &request.new_password,
        &request.current_password,
        &caller.email,
    ) {
        return Err(AppError::bad_field("new_password", problem));
    }
    let now = state.clock.now();
    verify_current_password(&state, &caller, request.current_password, now).await?;
    let hash = hash_new_password(&state, request.new_password).await?;
    let event = audit(&caller, "user.password_changed", now);
    state
        .store
        .change_password(caller.user_id, &caller.email, session_id, &hash, &event)
        .await?;
    let organization = load_organization(&state, caller.org_id).await?;
    Ok(Json(me(&caller, organization)))
}

async fn sign_out(
    State(state): State<AppState>,
    parts: Parts,
    PendingCaller {
        caller, session_id, ..
    }: PendingCaller,
) -> AppResult<Response> {
    let event = audit(&caller, "session.signed_out", state.clock.now());
    state.store.end_session(session_id, &event).await?;
    let cookie = auth::expired_session_cookie(client(&parts).https);
    Ok(([(header::SET_COOKIE, cookie)], StatusCode::NO_CONTENT).into_response())
}

async fn view_counts(
    State(state): State<AppState>,
    Manager(Caller { org_id: org, .. }): Manager,
) -> AppResult<Json<ViewCounts>> {
    Ok(Json(state.store.view_counts(org).await?))
}

/// Query parameters arrive as text so that each bad one gets its own field-specific error.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    view: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
    actor: Option<String>,
    target: Option<String>,
    action: Option<String>,
}

fn query_or_error(query: Result<Query<ListQuery>, QueryRejection>) -> AppResult<ListQuery> {
    query.map(|Query(query)| query).map_err(AppError::from)
}

fn parse_search(q: Option<&str>) -> AppResult<Option<String>> {
    let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else {
        return Ok(None);
    };
    if q.chars().count() > MAX_SEARCH_LEN {
        return Err(AppError::bad_field(
            "q",
            format!("Search text is at most {MAX_SEARCH_LEN} characters."),
        ));
    }
    Ok(Some(q.to_lowercase()))
}

fn parse_limit(limit: Option<&str>) -> AppResult<u32> {
    let Some(limit) = limit else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    limit
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
        .ok_or_else(|| {
            AppError::bad_field(
                "limit",
                format!("limit is a whole number from 1 to {MAX_PAGE_SIZE}."),
            )
        })
}

fn parse_cursor(cursor: Option<&str>, sort: SortField, dir: SortDir) -> AppResult<Option<Cursor>> {
    let Some(text) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    Cursor::decode(text, sort, dir).map(Some).ok_or_else(|| {
        AppError::from(
            roster_model::ApiError::new(
                ErrorCode::InvalidCursor,
                "This page link is no longer valid for the current sort order. Start again from the first page.",
            )
            .with_field("cursor"),
        )
    })
}

fn parse_view(view: Option<&str>) -> AppResult<UserView> {
    match view {
        None => Ok(UserView::Managed),
        Some(text) => UserView::parse(text).ok_or_else(|| {
            AppError::bad_field(
                "view",
                "view is one of managed, external, invited or imported.",
            )
        }),
    }
}

/// Every user the view and search match, up to a limit: "select all matching" for bulk actions.
async fn user_ids(
    State(state): State<AppState>,
    Manager(Caller { org_id: org, .. }): Manager,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> AppResult<Json<UserIds>> {
    let query = query_or_error(query)?;
    let view = parse_view(query.view.as_deref())?;
    let search = parse_search(query.q.as_deref())?;
    let (ids, total) = state
        .store
        .user_ids(org, view, search.as_deref(), MAX_SELECT_ALL)
        .await?;
    Ok(Json(UserIds { ids, total }))
}

async fn list_users(
    State(state): State<AppState>,
    Manager(Caller { org_id: org, .. }): Manager,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> AppResult<Json<Page<UserSummary>>> {
    let query = query_or_error(query)?;
    let view = parse_view(query.view.as_deref())?;
    let sort = match query.sort.as_deref() {
        None => SortField::Name,
        Some(text) => SortField::parse(text)
            .ok_or_else(|| AppError::bad_field("sort", "sort is one of name, email or date."))?,
    };
    let dir = match query.dir.as_deref() {
        None => SortDir::Asc,
        Some(text) => {
            SortDir::parse(text).ok_or_else(|| AppError::bad_field("dir", "dir is asc or desc."))?
        }
    };
    let params = UserListParams {
        view,
        search: parse_search(query.q.as_deref())?,
        sort,
        dir,
        cursor: parse_cursor(query.cursor.as_deref(), sort, dir)?,
        limit: parse_limit(query.limit.as_deref())?,
    };
    Ok(Json(
        state
            .store
            .list_users(org, &params, state.clock.now())
            .await?,
    ))
}

pub(super) fn no_such_user() -> AppError {
    AppError::not_found("This organization has no such user.")
}

/// A user's page, with its version as the ETag a change must send back in If-Match.
async fn user_detail(
    State(state): State<AppState>,
    Manager(Caller { org_id: org, .. }): Manager,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id: i64 = id.parse().map_err(|_| no_such_user())?;
    let detail = state
        .store
        .user_detail(org, id, state.clock.now())
        .await?
        .ok_or_else(no_such_user)?;
    Ok(with_etag(detail))
}

pub(super) fn with_etag(detail: UserDetail) -> Response {
    let tag = version_tag(detail.version);
    ([(header::ETAG, tag)], Json(detail)).into_response()
}

async fn list_accounts(
    State(state): State<AppState>,
    Manager(Caller { org_id: org, .. }): Manager,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> AppResult<Json<Page<AccountSummary>>> {
    let query = query_or_error(query)?;
    let params = AccountListParams {
        search: parse_search(query.q.as_deref())?,
        cursor: parse_cursor(query.cursor.as_deref(), SortField::Name, SortDir::Asc)?,
        limit: parse_limit(query.limit.as_deref())?,
    };
    Ok(Json(state.store.list_accounts(org, &params).await?))
}

async fn audit_log(
    State(state): State<AppState>,
    Manager(Caller { org_id: org, .. }): Manager,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> AppResult<Json<Page<AuditEntry>>> {
    let query = query_or_error(query)?;
    let params = AuditParams {
        actor: parse_search(query.actor.as_deref())?,
        target: parse_search(query.target.as_deref())?,
        action: query
            .action
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty()),
        cursor: parse_cursor(query.cursor.as_deref(), SortField::Date, SortDir::Desc)?,
        limit: parse_limit(query.limit.as_deref())?,
    };
    Ok(Json(state.store.audit_log(org, &params).await?))
}

async fn list_tokens(
    State(state): State<AppState>,
    Owner(caller): Owner,
) -> AppResult<Json<Vec<ApiToken>>> {
    Ok(Json(
        state
            .store
            .api_tokens(caller.org_id, state.clock.now())
            .await?,
    ))
}

/// Creates a bearer token that acts as its creating Owner until it expires; its secret is in
/// this answer only. Only a person signed in to the console may: a token never mints tokens.
async fn create_token(
    State(state): State<AppState>,
    Owner(caller): Owner,
    body: Result<Json<NewApiToken>, JsonRejection>,
) -> AppResult<(StatusCode, Json<CreatedApiToken>)> {
    let Json(request) = body?;
    if caller.via_token {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "API tokens are created in the console, signed in as an Owner: a token cannot create tokens.",
        ));
    }
    if let Some((field, problem)) = new_token_problem(&request.name, request.expires_in_days) {
        return Err(AppError::bad_field(field, problem));
    }
    let name = request.name.trim();
    let days = request.expires_in_days.unwrap_or(DEFAULT_TOKEN_DAYS);
    let now = state.clock.now();
    let expires_at = now + i64::from(days) * 24 * 60 * 60;
    let secret = format!("roster_{}", auth::new_token());
    let event = AuditEvent {
        target_id: None,
        target_label: Some(name),
        ..audit(&caller, "token.created", now)
    };
    let id = state
        .store
        .create_api_token(
            caller.org_id,
            name,
            &auth::token_hash(&secret),
            caller.user_id,
            expires_at,
            &event,
        )
        .await?;
    let token = state
        .store
        .api_tokens(caller.org_id, now)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| {
            AppError::new(ErrorCode::Internal, "The new token could not be read back.")
        })?;
    Ok((StatusCode::CREATED, Json(CreatedApiToken { token, secret })))
}

async fn revoke_token(
    State(state): State<AppState>,
    Owner(caller): Owner,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let missing = || AppError::not_found("There is no such live API token.");
    let id: i64 = id.parse().map_err(|_| missing())?;
    let event = AuditEvent {
        target_id: None,
        target_label: None,
        ..audit(&caller, "token.revoked", state.clock.now())
    };
    if state
        .store
        .revoke_api_token(caller.org_id, id, &event)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(missing())
    }
}
