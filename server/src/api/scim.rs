//! `/scim-tokens`: the organization's provisioning tokens for identity providers (Owners only).

use axum::extract::State;
use axum::http::StatusCode;
use roster_model::{CreatedScimToken, NewScimToken, ScimTokens};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Json, TokenId};
use super::openapi::Errors;
use crate::authz::Owner;
use crate::error::AppResult;
use crate::ops::scim;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

/// The organization's provisioning tokens, newest first, and the SCIM base URL (Owners).
#[utoipa::path(get, path = "/scim-tokens", tag = "scim",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = ScimTokens), Errors))]
async fn list(State(state): State<AppState>, Owner(caller): Owner) -> AppResult<Json<ScimTokens>> {
    Ok(Json(scim::tokens(&state, &caller).await?))
}

/// Creates a provisioning token: it reaches `/scim/v2` only, for the organization (not for the
/// Owner who made it), until revoked; its secret is in this answer only. Only from a console
/// session, with the Owner's password again (422 on `current_password` when wrong, throttled
/// like sign-in).
#[utoipa::path(post, path = "/scim-tokens", tag = "scim",
    security(("session" = [], "csrf" = [])),
    request_body = NewScimToken,
    responses((status = 201, body = CreatedScimToken), Errors))]
async fn create(
    State(state): State<AppState>,
    Owner(caller): Owner,
    Json(request): Json<NewScimToken>,
) -> AppResult<(StatusCode, Json<CreatedScimToken>)> {
    let created = scim::create_token(&state, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a live provisioning token of the organization: its identity provider is refused at once.
#[utoipa::path(delete, path = "/scim-tokens/{token_id}", tag = "scim",
    params(("token_id" = i64, Path, description = "The token")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    responses((status = 204, description = "Revoked"), Errors))]
async fn revoke(
    State(state): State<AppState>,
    Owner(caller): Owner,
    TokenId(id): TokenId,
) -> AppResult<StatusCode> {
    if scim::revoke_token(&state, &caller, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(TokenId::not_found())
    }
}
