//! Set-password links (no session needed): what a link opens, and choosing the new password.

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use roster_model::{CompletePasswordReset, PasswordResetPreview};

use super::extract::Json;
use super::session::signed_in;
use crate::authz::client;
use crate::error::AppResult;
use crate::ops::password_resets;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/password-resets/{token}", get(preview))
        .route("/password-resets/complete", post(complete))
}

/// `GET /password-resets/{token}`.
async fn preview(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Json<PasswordResetPreview>> {
    Ok(Json(password_resets::preview(&state, &token).await?))
}

/// `POST /password-resets/complete`: sets the new password and signs in.
async fn complete(
    State(state): State<AppState>,
    parts: Parts,
    Json(request): Json<CompletePasswordReset>,
) -> AppResult<Response> {
    let client = client(&parts);
    let (caller, token) = password_resets::complete(
        &state,
        &client.addr,
        &request.token,
        &request.password,
        request.code.as_deref(),
    )
    .await?;
    signed_in(&state, &caller, &token, client.https).await
}
