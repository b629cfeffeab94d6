//! `/session` and `/organization`: signing in and out, who is signed in, changing one's password
//! and enrolling in two-factor.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use roster_model::{
    BeginTwoFactorSetup, ChangePassword, ConfirmTwoFactor, Me, Organization, SignIn,
    TwoFactorEnrolled, TwoFactorSetup, UserRef,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::Json;
use super::openapi::Errors;
use crate::auth;
use crate::authz::{client, Caller, PendingCaller, SignedIn};
use crate::error::AppResult;
use crate::ops::{self, session};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(current, sign_in, sign_out))
        .routes(routes!(change_password))
        .routes(routes!(begin_two_factor_setup))
        .routes(routes!(confirm_two_factor))
        .routes(routes!(organization))
}

/// Who is signed in, in which organization with which role.
pub(super) fn me(caller: &Caller, organization: Organization) -> Me {
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

async fn me_of(state: &AppState, caller: &Caller) -> AppResult<Me> {
    Ok(me(caller, ops::organization(state, caller.org_id).await?))
}

/// The answer that starts a session: who is signed in, and the session cookie.
pub(super) async fn signed_in(
    state: &AppState,
    caller: &Caller,
    token: &str,
    https: bool,
) -> AppResult<Response> {
    let body = me_of(state, caller).await?;
    let cookie = auth::session_cookie(token, https);
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Who is signed in, in which organization with which role.
#[utoipa::path(get, path = "/session", tag = "session",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Me), Errors))]
async fn current(State(state): State<AppState>, SignedIn(caller): SignedIn) -> AppResult<Json<Me>> {
    Ok(Json(me_of(&state, &caller).await?))
}

/// The signed-in person's organization.
#[utoipa::path(get, path = "/organization", tag = "session",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Organization), Errors))]
async fn organization(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Organization>> {
    Ok(Json(ops::organization(&state, caller.org_id).await?))
}

/// Signs in with email and password, and a code for a user enrolled in two-factor; sets the
/// session cookie. Failed attempts make later ones wait (429).
#[utoipa::path(post, path = "/session", tag = "session",
    security(("csrf" = [])),
    request_body = SignIn,
    responses((status = 200, body = Me, headers(("Set-Cookie" = String, description = "The session cookie"))), Errors))]
async fn sign_in(
    State(state): State<AppState>,
    parts: Parts,
    Json(request): Json<SignIn>,
) -> AppResult<Response> {
    let client = client(&parts);
    let (caller, token) = session::sign_in(
        &state,
        &client.addr,
        &request.email,
        request.password,
        request.code.as_deref(),
    )
    .await?;
    signed_in(&state, &caller, &token, client.https).await
}

/// Signs out: the session ends and the cookie is cleared.
#[utoipa::path(delete, path = "/session", tag = "session",
    security(("session" = [], "csrf" = [])),
    responses((status = 204, description = "Signed out", headers(("Set-Cookie" = String, description = "Clears the session cookie"))), Errors))]
async fn sign_out(
    State(state): State<AppState>,
    parts: Parts,
    PendingCaller {
        caller, session_id, ..
    }: PendingCaller,
) -> AppResult<Response> {
    session::sign_out(&state, &caller, session_id).await?;
    let cookie = auth::expired_session_cookie(client(&parts).https);
    Ok(([(header::SET_COOKIE, cookie)], StatusCode::NO_CONTENT).into_response())
}

/// A new password, given the current one; other sessions and one's API tokens end.
#[utoipa::path(post, path = "/session/password", tag = "session",
    security(("session" = [], "csrf" = [])),
    request_body = ChangePassword,
    responses((status = 200, body = Me), Errors))]
async fn change_password(
    State(state): State<AppState>,
    PendingCaller {
        caller, session_id, ..
    }: PendingCaller,
    Json(request): Json<ChangePassword>,
) -> AppResult<Json<Me>> {
    session::change_password(
        &state,
        &caller,
        session_id,
        request.current_password,
        request.new_password,
    )
    .await?;
    Ok(Json(me_of(&state, &caller).await?))
}

/// Starts setting up two-factor sign-in, given the password again (422 on `current_password` when
/// wrong, throttled like sign-in): a new secret and its QR code, waiting for a code.
#[utoipa::path(post, path = "/session/two-factor/setup", tag = "session",
    security(("session" = [], "csrf" = [])),
    request_body = BeginTwoFactorSetup,
    responses((status = 200, body = TwoFactorSetup), Errors))]
async fn begin_two_factor_setup(
    State(state): State<AppState>,
    PendingCaller {
        caller, session_id, ..
    }: PendingCaller,
    Json(request): Json<BeginTwoFactorSetup>,
) -> AppResult<Json<TwoFactorSetup>> {
    Ok(Json(
        session::begin_two_factor_setup(&state, &caller, session_id, request.current_password)
            .await?,
    ))
}

/// Confirms the set-up with a code from the app; answers the recovery codes, once.
#[utoipa::path(post, path = "/session/two-factor", tag = "session",
    security(("session" = [], "csrf" = [])),
    request_body = ConfirmTwoFactor,
    responses((status = 200, body = TwoFactorEnrolled), Errors))]
async fn confirm_two_factor(
    State(state): State<AppState>,
    PendingCaller {
        caller,
        totp_setup_secret,
        ..
    }: PendingCaller,
    Json(request): Json<ConfirmTwoFactor>,
) -> AppResult<Json<TwoFactorEnrolled>> {
    let recovery_codes =
        session::confirm_two_factor(&state, &caller, totp_setup_secret, &request.code).await?;
    let caller = Caller {
        must_enrol_two_factor: false,
        two_factor_enrolled: true,
        ..caller
    };
    Ok(Json(TwoFactorEnrolled {
        recovery_codes,
        me: me_of(&state, &caller).await?,
    }))
}
