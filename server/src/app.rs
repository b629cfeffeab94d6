//! The whole HTTP surface: the API under /api/v1 and, when a directory is given, the built app
//! with a fallback to index.html for the app's own routes (deep links).

use std::path::Path;

use axum::extract::Request;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use crate::api;
use crate::authz::resolve_client;
use crate::state::AppState;
use crate::web_policy::{self, WebPolicy};

pub fn router(state: AppState, static_dir: Option<&Path>) -> Router {
    let spa =
        static_dir.map(|dir| ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))));
    let index_html =
        static_dir.and_then(|dir| std::fs::read_to_string(dir.join("index.html")).ok());
    let policy = WebPolicy::new(state.settings.allowed_hosts.clone(), index_html.as_deref());
    Router::new()
        .nest("/api/v1", api::router())
        .fallback(move |request: Request| {
            let spa = spa.clone();
            async move { fallback(request, spa).await }
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            resolve_client,
        ))
        .with_state(state)
        .layer(middleware::from_fn_with_state(policy, web_policy::enforce))
        .layer(CompressionLayer::new())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                tracing::debug_span!(
                    "request",
                    method = %request.method(),
                    path = %redacted_path(request.uri().path()),
                )
            }),
        )
}

/// A request path fit for the log: the single-use tokens some paths carry are left out.
fn redacted_path(path: &str) -> String {
    for secret_after in [
        "/invitations/token/",
        "/password-resets/",
        "/accept/",
        "/password/",
    ] {
        if let Some(start) = path.find(secret_after) {
            let token_start = start + secret_after.len();
            let rest = &path[token_start..];
            if !rest.is_empty() && rest != "complete" {
                return format!("{}…", &path[..token_start]);
            }
        }
    }
    path.to_owned()
}

async fn fallback(request: Request, spa: Option<ServeDir<ServeFile>>) -> Response {
    let path = request.uri().path();
    let is_api = path == "/api" || path.starts_with("/api/");
    match spa {
        Some(spa) if !is_api => match spa.oneshot(request).await {
            Ok(response) => response.into_response(),
            Err(never) => match never {},
        },
        _ => api::not_found().await.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted_path;

    #[test]
    fn single_use_tokens_stay_out_of_the_log() {
        assert_eq!(
            redacted_path("/api/v1/invitations/token/abc123"),
            "/api/v1/invitations/token/…"
        );
        assert_eq!(
            redacted_path("/api/v1/password-resets/abc123"),
            "/api/v1/password-resets/…"
        );
        assert_eq!(redacted_path("/password/abc123"), "/password/…");
        assert_eq!(
            redacted_path("/api/v1/password-resets/complete"),
            "/api/v1/password-resets/complete"
        );
        assert_eq!(redacted_path("/api/v1/users"), "/api/v1/users");
    }
}
