//! The whole HTTP surface: the API under /api/v1 and, when a directory is given, the built app:
//! its files (the brotli or gzip copy the build made, when the browser takes it), and index.html
//! for the app's own routes (deep links).

use std::path::Path;

use axum::extract::Request;
use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::Router;
use roster_model::CSRF_HEADER;
use tower::util::option_layer;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use crate::api;
use crate::authz::resolve_client;
use crate::scim;
use crate::state::AppState;
use crate::web_policy::{self, WebPolicy};

pub fn router(state: AppState, static_dir: Option<&Path>) -> Router {
    let spa = static_dir.map(|dir| App {
        files: ServeDir::new(dir).precompressed_br().precompressed_gzip(),
        index: ServeFile::new(dir.join("index.html"))
            .precompressed_br()
            .precompressed_gzip(),
    });
    let index_html =
        static_dir.and_then(|dir| std::fs::read_to_string(dir.join("index.html")).ok());
    let policy = WebPolicy::new(state.settings.allowed_hosts.clone(), index_html.as_deref());
    let cors = cors(&state.settings.allowed_origins);
    Router::new()
        .nest("/api/v1", api::router())
        .nest("/scim/v2", scim::router())
        .fallback(move |request: Request| {
            let spa = spa.clone();
            async move { fallback(request, spa).await }
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            resolve_client,
        ))
        .with_state(state)
        .layer(option_layer(cors))
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

/// Cross-origin requests from the host pages that embed the console: the API with a bearer token
/// (never cookies: no credentials are allowed) and the app's files. No allowed origin: none.
fn cors(allowed_origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = allowed_origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static(CSRF_HEADER),
        ])
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::LOCATION,
        ])
        .max_age(Duration::from_secs(600));
    Some(layer)
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

/// The built app's files and its page.
#[derive(Clone)]
struct App {
    files: ServeDir,
    index: ServeFile,
}

async fn fallback(request: Request, spa: Option<App>) -> Response {
    let path = request.uri().path().to_owned();
    let is_api = path == "/api" || path.starts_with("/api/");
    let Some(app) = spa.filter(|_| !is_api) else {
        return api::not_found().await.into_response();
    };
    let file_name = path.rsplit('/').next().unwrap_or_default();
    // A path naming a file is that file or nothing; any other path is a route of the app.
    let mut response = if file_name.contains('.') {
        match app.files.oneshot(request).await {
            Ok(response) => response.into_response(),
            Err(never) => match never {},
        }
    } else {
        match app.index.oneshot(request).await {
            Ok(response) => response.into_response(),
            Err(never) => match never {},
        }
    };
    // A file whose name carries its content's hash never changes: cache it for good. Anything
    // else (the page, which names the current hashes) is checked again every time.
    let cache = if is_hashed_asset(&path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// Whether `path` names a file of one build's content-hashed folder, such as
/// `/assets/0f3a…9c/roster_bg.wasm` (scripts/build-app.mjs hashes the folder: its chunks name
/// each other by relative paths).
fn is_hashed_asset(path: &str) -> bool {
    let Some((hash, file)) = path
        .strip_prefix("/assets/")
        .and_then(|rest| rest.split_once('/'))
    else {
        return false;
    };
    hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && !file.is_empty()
        && !file.contains('/')
        && file
            .rsplit_once('.')
            .is_some_and(|(_, extension)| matches!(extension, "js" | "wasm" | "css" | "map"))
}

#[cfg(test)]
mod tests {
    use super::{is_hashed_asset, redacted_path};

    #[test]
    fn hashed_assets_are_told_apart_from_other_files() {
        assert!(is_hashed_asset("/assets/0123456789abcdef/roster.js"));
        assert!(is_hashed_asset("/assets/0123456789abcdef/roster_bg.wasm"));
        assert!(is_hashed_asset("/assets/0123456789abcdef/split_audit.wasm"));
        assert!(is_hashed_asset("/assets/a85cb66e33ab9271/roster.css"));
        assert!(is_hashed_asset("/assets/a85cb66e33ab9271/roster.js.map"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/embed/roster.js"));
        assert!(!is_hashed_asset("/assets/0123456789abcdeg/roster.js"));
        assert!(!is_hashed_asset("/assets/0123456789abcde/roster.js"));
        assert!(!is_hashed_asset("/assets/0123456789abcdef/index.html"));
        assert!(!is_hashed_asset(
            "/assets/0123456789abcdef/deeper/roster.js"
        ));
    }

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
