//! HTTP handlers of `/api/v1`, one module per feature, each with its own `router()`. A handler
//! parses its input (`extract`), calls one operation (`ops`) or store read, and shapes the answer.

use axum::routing::get;
use axum::{middleware, Router};
use roster_model::ErrorCode;

mod accounts;
mod audit;
mod domains;
mod extract;
mod import;
mod invitations;
mod manage;
mod password_resets;
mod session;
mod tokens;
mod users;

use crate::authz::csrf_guard;
use crate::error::AppError;
use crate::state::AppState;
use extract::Json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .merge(session::router())
        .merge(users::router())
        .merge(manage::router())
        .merge(accounts::router())
        .merge(domains::router())
        .merge(audit::router())
        .merge(import::router())
        .merge(invitations::router())
        .merge(password_resets::router())
        .merge(tokens::router())
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
