//! HTTP handlers of `/api/v1`, one module per feature, each with its own `router()`. A handler
//! parses its input (`extract`), calls one operation (`ops`) or store read, and shapes the answer.

use axum::{middleware, Router};
use roster_model::ErrorCode;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod accounts;
mod audit;
mod domains;
mod extract;
mod import;
mod invitations;
mod manage;
mod openapi;
mod password_resets;
mod scim;
mod session;
mod tokens;
mod users;

use crate::authz::csrf_guard;
use crate::error::AppError;
use crate::state::AppState;
use extract::Json;

/// The API's routes, and the OpenAPI document describing them served at `/openapi.json`.
pub fn router() -> Router<AppState> {
    let (router, document) = routes().split_for_parts();
    let document = std::sync::Arc::new(document);
    router
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let document = document.clone();
                async move { axum::Json(document.as_ref().clone()) }
            }),
        )
        .route_layer(middleware::from_fn(csrf_guard))
        // After the guard, so a method no route takes answers 405 without the guard's say.
        .method_not_allowed_fallback(method_not_allowed)
}

/// The OpenAPI document of every route.
#[cfg(test)]
fn router_document() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(health))
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
        .merge(scim::router())
}

/// Answer for any path under /api that no route matches: JSON, never the app's HTML.
pub async fn not_found() -> AppError {
    AppError::not_found("There is no such API endpoint.")
}

async fn method_not_allowed() -> AppError {
    AppError::new(
        ErrorCode::MethodNotAllowed,
        "This endpoint does not accept that HTTP method.",
    )
}

/// Whether the server is up (no session needed).
#[utoipa::path(get, path = "/health", tag = "session",
    responses((status = 200, description = "Up", body = serde_json::Value)))]
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}
