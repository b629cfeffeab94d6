//! API tokens: a bearer token acts as the Owner who created it, until it expires or is revoked.

use roster_model::{
    new_token_problem, CreatedApiToken, ErrorCode, NewApiToken, DEFAULT_TOKEN_DAYS,
};

use crate::auth;
use crate::authz::{Caller, API_TOKEN_PREFIX};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::Credential;

/// Creates a token for `caller`, living the days asked (or the default); its secret is in this
/// answer only. Only a person signed in to the console may, giving their password again: a token
/// never mints tokens, and a session alone (left open, or taken) must not mint one that outlives
/// it.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    request: NewApiToken,
) -> AppResult<CreatedApiToken> {
    let NewApiToken {
        name,
        expires_in_days: days,
        current_password,
    } = request;
    if !matches!(caller.credential, Credential::Session { .. }) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "API tokens are created in Roster's own console, signed in as an Owner: a token cannot create tokens.",
        ));
    }
    if let Some((field, problem)) = new_token_problem(&name, days) {
        return Err(AppError::invalid(field, problem));
    }
    let name = name.trim();
    let now = state.clock.now();
    super::session::verify_current_password(state, caller, current_password, now).await?;
    let expires_at = now + i64::from(days.unwrap_or(DEFAULT_TOKEN_DAYS)) * 24 * 60 * 60;
    let secret = format!("{API_TOKEN_PREFIX}{}", auth::new_token());
    let actor = caller.actor(now);
    let event = actor.event("token.created", None, Some(name), serde_json::json!({}));
    let id = state
        .store
        .create_api_token(
            &actor,
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
    Ok(CreatedApiToken { token, secret })
}

/// Revokes a live token of the caller's organization; false when there is no such live token.
pub async fn revoke(state: &AppState, caller: &Caller, id: i64) -> AppResult<bool> {
    let actor = caller.actor(state.clock.now());
    let event = actor.event("token.revoked", None, None, serde_json::json!({}));
    Ok(state.store.revoke_api_token(&actor, id, &event).await?)
}
