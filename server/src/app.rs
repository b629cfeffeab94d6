//! The whole HTTP surface: the API under /api/v1 and, when a directory is given, the built app
//! with a fallback to index.html for the app's own routes (deep links).

use std::path::Path;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use crate::api;
use crate::state::AppState;

pub fn router(state: AppState, static_dir: Option<&Path>) -> Router {
    let spa =
        static_dir.map(|dir| ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))));
    Router::new()
        .nest("/api/v1", api::router())
        .fallback(move |request: Request| {
            let spa = spa.clone();
            async move { fallback(request, spa).await }
        })
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
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
