//! Set-password links (no session needed): what a link opens, and choosing the new password.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::response::Response;
use axum::Json;
use roster_model::{CompletePasswordReset, PasswordResetPreview};

use super::signed_in;
use crate::authz::client;
use crate::error::AppResult;
use crate::ops::password_reset;
use crate::state::AppState;

/// `GET /password-resets/{token}`.
pub async fn preview(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Json<PasswordResetPreview>> {
    Ok(Json(password_reset::preview(&state, &token).await?))
}

/// `POST /password-resets/complete`: sets the new password and signs in.
pub async fn complete(
    State(state): State<AppState>,
    parts: Parts,
    body: Result<Json<CompletePasswordReset>, JsonRejection>,
) -> AppResult<Response> {
    let Json(request) = body?;
    let client = client(&parts);
    let (caller, token) = password_reset::complete(
        &state,
        &client.addr,
        &request.token,
        &request.password,
        request.code.as_deref(),
    )
    .await?;
    signed_in(&state, &caller, &token, client.https).await
}
