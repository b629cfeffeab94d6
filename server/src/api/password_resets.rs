//! Set-password links (no session needed): what a link opens, and choosing the new password.

use axum::extract::State;
use axum::http::request::Parts;
use axum::response::Response;
use roster_model::{CompletePasswordReset, Me, PasswordResetPreview};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Json, LinkToken};
use super::openapi::Errors;
use super::session::signed_in;
use crate::authz::client;
use crate::error::AppResult;
use crate::ops::password_resets;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(preview))
        .routes(routes!(complete))
}

/// What a set-password link opens (no session needed); only a link that still works says whose
/// password it sets.
#[utoipa::path(get, path = "/password-resets/{token}", tag = "password_resets",
    params(("token" = String, Path, description = "The token of the set-password link")),
    responses((status = 200, body = PasswordResetPreview), Errors))]
async fn preview(
    State(state): State<AppState>,
    LinkToken(token): LinkToken,
) -> AppResult<Json<PasswordResetPreview>> {
    Ok(Json(password_resets::preview(&state, &token).await?))
}

/// Sets the new password with the link's token (and a two-factor code when enrolled) and signs in.
#[utoipa::path(post, path = "/password-resets/complete", tag = "password_resets",
    security(("csrf" = [])),
    request_body = CompletePasswordReset,
    responses((status = 200, body = Me, headers(("Set-Cookie" = String, description = "The session cookie"))), Errors))]
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
