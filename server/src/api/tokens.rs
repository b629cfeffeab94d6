//! `/tokens`: the organization's bearer API tokens (Owners only).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::Router;
use roster_model::{ApiToken, CreatedApiToken, NewApiToken};

use super::extract::{Json, TokenId};
use crate::authz::Owner;
use crate::error::AppResult;
use crate::ops::tokens;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list).post(create))
        .route("/tokens/{token_id}", delete(revoke))
}

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

/// `POST /tokens`: a new token; its secret is in this answer only.
async fn create(
    State(state): State<AppState>,
    Owner(caller): Owner,
    Json(request): Json<NewApiToken>,
) -> AppResult<(StatusCode, Json<CreatedApiToken>)> {
    let created = tokens::create(&state, &caller, &request.name, request.expires_in_days).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

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
