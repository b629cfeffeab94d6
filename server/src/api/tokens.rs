//! `/tokens`: the organization's bearer API tokens (Owners only).

use axum::extract::State;
use axum::http::StatusCode;
use roster_model::{ApiToken, CreatedApiToken, NewApiToken};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Json, TokenId};
use super::openapi::Errors;
use crate::authz::Owner;
use crate::error::AppResult;
use crate::ops::tokens;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

/// The organization's API tokens, newest first (Owners).
#[utoipa::path(get, path = "/tokens", tag = "tokens",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<ApiToken>), Errors))]
async fn list(
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

/// Creates a token that acts as its creating Owner until it expires (1 to 365 days, 90 by
/// default); its secret is in this answer only. Only from a console session, with the Owner's
/// password again (422 on `current_password` when wrong, throttled like sign-in). While two-factor
/// sign-in is required of its creator and not set up, it does nothing (403
/// `two_factor_enrolment_required`; listed with `awaits_two_factor`).
#[utoipa::path(post, path = "/tokens", tag = "tokens",
    security(("session" = [], "csrf" = [])),
    request_body = NewApiToken,
    responses((status = 201, body = CreatedApiToken), Errors))]
async fn create(
    State(state): State<AppState>,
    Owner(caller): Owner,
    Json(request): Json<NewApiToken>,
) -> AppResult<(StatusCode, Json<CreatedApiToken>)> {
    let created = tokens::create(&state, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a live token of the organization.
#[utoipa::path(delete, path = "/tokens/{token_id}", tag = "tokens",
    params(("token_id" = i64, Path, description = "The token")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    responses((status = 204, description = "Revoked"), Errors))]
async fn revoke(
    State(state): State<AppState>,
    Owner(caller): Owner,
    TokenId(id): TokenId,
) -> AppResult<StatusCode> {
    if tokens::revoke(&state, &caller, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(TokenId::not_found())
    }
}
