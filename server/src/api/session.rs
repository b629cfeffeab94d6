//! `/session` and `/organization`: signing in and out, who is signed in, changing one's password
//! and enrolling in two-factor.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use roster_model::{
    ChangePassword, ConfirmTwoFactor, Me, Organization, SignIn, TwoFactorEnrolled, TwoFactorSetup,
    UserRef,
};

use super::extract::Json;
use crate::auth;
use crate::authz::{client, Caller, PendingCaller};
use crate::error::AppResult;
use crate::ops::{self, session};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", get(current).post(sign_in).delete(sign_out))
        .route("/session/password", post(change_password))
        .route("/session/two-factor/setup", post(begin_two_factor_setup))
        .route("/session/two-factor", post(confirm_two_factor))
        .route("/organization", get(organization))
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

async fn current(
    State(state): State<AppState>,
    PendingCaller { caller, .. }: PendingCaller,
) -> AppResult<Json<Me>> {
    Ok(Json(me_of(&state, &caller).await?))
}

async fn organization(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Organization>> {
    Ok(Json(ops::organization(&state, caller.org_id).await?))
}

/// `POST /session`: signs in with email and password, and a code for two-factor.
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

/// `POST /session/password`: a new password, given the current one.
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

async fn begin_two_factor_setup(
    State(state): State<AppState>,
    PendingCaller {
        caller, session_id, ..
    }: PendingCaller,
) -> AppResult<Json<TwoFactorSetup>> {
    Ok(Json(
        session::begin_two_factor_setup(&state, &caller, session_id).await?,
    ))
}

/// `POST /session/two-factor`: confirms the set-up with a code; answers the recovery codes, once.
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
