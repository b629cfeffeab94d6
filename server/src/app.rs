//! The whole HTTP surface: the API under /api/v1 and, when a directory is given, the built app:
//! its files (the brotli or gzip copy the build made, when the browser takes it), and index.html
//! for the app's own routes (deep links), with the Managed list's first page drawn in for a
//! signed-in admin (`first_paint`).

use std::path::Path;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use roster_model::CSRF_HEADER;
use tower::util::option_layer;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use crate::api;
use crate::authz::{resolve_client, Caller, Manager};
use crate::first_paint;
use crate::scim;
use crate::state::AppState;
use crate::web_policy::{self, WebPolicy};

pub fn router(state: AppState, static_dir: Option<&Path>) -> Router {
    let index_html =
        static_dir.and_then(|dir| std::fs::read_to_string(dir.join("index.html")).ok());
    let spa = static_dir.map(|dir| App {
        files: ServeDir::new(dir).precompressed_br().precompressed_gzip(),
        index: ServeFile::new(dir.join("index.html"))
            .precompressed_br()
            .precompressed_gzip(),
        list_page: index_html
            .as_deref()
            .filter(|page| asks_this_server(page))
            .map(|page| ListPage::new(page, dir)),
    });
    let pages: Vec<&str> = index_html
        .as_deref()
        .into_iter()
        .chain(
            spa.iter()
                .flat_map(|app| app.list_page.as_ref())
                .map(|page| &*page.html),
        )
        .collect();
    let policy = WebPolicy::new(state.settings.allowed_hosts.clone(), &pages);
    let cors = cors(&state.settings.allowed_origins);
    Router::new()
        .nest(API_BASE, api::router())
        .nest("/scim/v2", scim::router())
        .fallback(move |State(state): State<AppState>, request: Request| {
            let spa = spa.clone();
            async move { fallback(request, spa, state).await }
        })
        .with_state(state.clone())
        .layer(option_layer(cors))
        .layer(middleware::from_fn_with_state(policy, web_policy::enforce))
        // Outside the host check and CORS, so that their own answers (421, preflights) ask for
        // https from now on too.
        .layer(middleware::from_fn_with_state(state, resolve_client))
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
    /// The page, when it asks this server's API and routes from the root ([`asks_this_server`]).
    list_page: Option<ListPage>,
}

/// The page (index.html) as served to a signed-in admin loading the Managed list: with the list's
/// first paint at the start of its body, and its stylesheet inside it.
#[derive(Clone)]
struct ListPage {
    html: Arc<str>,
    /// Where the first paint goes: just inside `<body …>`. None: the page has no body tag to
    /// find, and goes without.
    body_start: Option<usize>,
}

impl ListPage {
    fn new(index_html: &str, static_dir: &Path) -> ListPage {
        let html =
            with_stylesheet_inside(index_html, static_dir).unwrap_or_else(|| index_html.to_owned());
        ListPage {
            body_start: body_start(&html),
            html: Arc::from(html),
        }
    }
}

/// `html` with its stylesheet's `<link>` replaced by the sheet itself in a `<style>`, so that the
/// first paint is drawn once the page is in, without asking for the sheet first (measured on
/// loopback: the first row 20–25 ms sooner, a sixth of the whole; on a slow network a round
/// trip). The sheet's own file stays, cached for good, for every other page. None, and the link
/// stays, when the page has no stylesheet link, or the file is not in `static_dir` or could not
/// go inside the page as it is.
fn with_stylesheet_inside(html: &str, static_dir: &Path) -> Option<String> {
    let start = html.find("<link rel=\"stylesheet\"")?;
    let end = start + html[start..].find('>')? + 1;
    let tag = &html[start..end];
    let href = &tag[tag.find("href=\"")? + "href=\"".len()..];
    let href = &href[..href.find('"')?];
    let path = Path::new(href.strip_prefix('/')?);
    if !path
        .components()
        .all(|part| matches!(part, std::path::Component::Normal(_)))
    {
        return None;
    }
    let linked = |why: &str| tracing::warn!(href, "the stylesheet stays linked: {why}");
    let Ok(sheet) = std::fs::read_to_string(static_dir.join(path)) else {
        linked("its file cannot be read");
        return None;
    };
    // Markup would end the element or be taken for the page's body; a browser hashes the text
    // with its line breaks and NULs rewritten, and the policy would then refuse the sheet.
    if sheet.contains(['<', '\r', '\0']) {
        linked("it holds '<', a carriage return or a NUL");
        return None;
    }
    Some(format!(
        "{}<style>{sheet}</style>{}",
        &html[..start],
        &html[end..]
    ))
}

/// Just inside the page's `<body>` tag (its attributes, if any, left as they are).
fn body_start(html: &str) -> Option<usize> {
    let tag = html.find("<body")?;
    let after_name = html.as_bytes().get(tag + "<body".len())?;
    if !matches!(after_name, b'>' | b' ' | b'\t' | b'\n' | b'\r') {
        return None;
    }
    Some(tag + html[tag..].find('>')? + 1)
}

/// Where the API is served; the app's index.html names the same (roster-api-base).
const API_BASE: &str = "/api/v1";

async fn fallback(request: Request, spa: Option<App>, state: AppState) -> Response {
    let path = request.uri().path().to_owned();
    let is_api = path == "/api" || path.starts_with("/api/");
    let Some(app) = spa.filter(|_| !is_api) else {
        return api::not_found().await.into_response();
    };
    let file_name = path.rsplit('/').next().unwrap_or_default();
    // A file whose name carries its content's hash never changes: cache it for good. Anything
    // else (the page, which names the current hashes) is checked again every time.
    let mut cache = if is_hashed_asset(&path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    // A path naming a file is that file or nothing; any other path is a route of the app.
    let mut response = if file_name.contains('.') {
        match app.files.oneshot(request).await {
            Ok(response) => response.into_response(),
            Err(never) => match never {},
        }
    } else {
        let (mut parts, body) = request.into_parts();
        let reader = match &app.list_page {
            Some(page) => managed_list_reader(&mut parts, &state)
                .await
                .map(|caller| (page, caller)),
            None => None,
        };
        match reader {
            Some((page, caller)) => {
                // Made for this request, never a 304: the rows are this session's, so it is
                // never stored either, not even for Back (which shows a stored page unasked).
                cache = "no-store";
                let html = match page.body_start {
                    Some(at) => {
                        let settings = first_paint::ViewSettings::of_request(&parts.headers);
                        // Without it the page is as built: the app draws the list itself.
                        let first_paint = first_paint::managed_list(&state, &caller, &settings)
                            .await
                            .inspect_err(|error| tracing::warn!(?error, "first paint left out"))
                            .unwrap_or_default();
                        [&page.html[..at], &first_paint, &page.html[at..]].concat()
                    }
                    None => page.html.to_string(),
                };
                Html(html).into_response()
            }
            None => match app.index.oneshot(Request::from_parts(parts, body)).await {
                Ok(response) => response.into_response(),
                Err(never) => match never {},
            },
        }
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// Who may be shown the Managed list on this page load: for a load of the list (or of the paths
/// that lead to it) by an Owner or Administrator signed in, that caller. Nobody else gets its
/// first paint.
async fn managed_list_reader(
    parts: &mut axum::http::request::Parts,
    state: &AppState,
) -> Option<Caller> {
    let leads_to_managed_list = matches!(parts.uri.path(), "/" | "/users" | "/users/managed");
    if parts.method != Method::GET
        || !leads_to_managed_list
        || parts.uri.query().is_some_and(|query| !query.is_empty())
    {
        return None;
    }
    Manager::from_request_parts(parts, state)
        .await
        .ok()
        .map(|Manager(caller)| caller)
}

/// Whether the page (index.html) asks this server's API (at [`API_BASE`]) and routes from the root,
/// as the first paint assumes: its `roster-api-base` and `roster-router-base` may be changed by
/// whoever deploys it, and rows from this server, or links from the root, would then be wrong.
fn asks_this_server(index_html: &str) -> bool {
    meta_content(index_html, "roster-api-base") == Some(API_BASE)
        && meta_content(index_html, "roster-router-base") == Some("")
}

/// The `content` of `<meta name="NAME" content="…">`, written as index.html writes it.
fn meta_content<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let tag = &html[html.find(&format!("<meta name=\"{name}\""))?..];
    let tag = &tag[..tag.find('>')?];
    let value = &tag[tag.find("content=\"")? + "content=\"".len()..];
    Some(&value[..value.find('"')?])
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
    use super::{
        asks_this_server, body_start, is_hashed_asset, redacted_path, with_stylesheet_inside,
    };

    #[test]
    fn a_stylesheet_goes_inside_the_page_only_from_the_site_and_whole() {
        let site = tempfile::TempDir::new().expect("site");
        let write = |name: &str, text: &str| {
            std::fs::create_dir_all(site.path().join("a")).expect("folder");
            std::fs::write(site.path().join(name), text).expect("file");
        };
        write("a/roster.css", "p{margin:0}");
        write("a/broken.css", "p{content:\"</STYLE><script>\"}");
        write("a/body.css", "/*! <body> */p{margin:0}");
        write("a/crlf.css", "p{margin:0}\r\n");
        let page = |href: &str| {
            format!(
                r#"<head><link rel="stylesheet" href="{href}" integrity="sha384-x" /><title>R</title></head>"#
            )
        };
        assert_eq!(
            with_stylesheet_inside(&page("/a/roster.css"), site.path()).as_deref(),
            Some("<head><style>p{margin:0}</style><title>R</title></head>")
        );
        for left_linked in [
            "/a/missing.css",
            "/a/broken.css",
            "/a/body.css",
            "/a/crlf.css",
            "/a/../a/roster.css",
            "a/roster.css",
            "//a/roster.css",
        ] {
            assert_eq!(
                with_stylesheet_inside(&page(left_linked), site.path()),
                None,
                "{left_linked}"
            );
        }
        assert_eq!(with_stylesheet_inside("<head></head>", site.path()), None);
    }

    #[test]
    fn the_page_is_first_painted_only_as_it_is_shipped() {
        let shipped = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../index.html"),
        )
        .expect("the app's index.html");
        assert!(asks_this_server(&shipped));
        assert!(!asks_this_server(&shipped.replace(
            r#"<meta name="roster-router-base" content="""#,
            r#"<meta name="roster-router-base" content="/console""#
        )));
        assert!(!asks_this_server(&shipped.replace(
            r#"content="/api/v1""#,
            r#"content="https://api.example/v1""#
        )));
        assert!(!asks_this_server("<!doctype html><title>Roster</title>"));
        // The first paint has its place.
        let at = body_start(&shipped).expect("a body tag");
        assert!(shipped[..at].ends_with("<body>"));
    }

    #[test]
    fn the_first_paint_goes_just_inside_the_body_tag() {
        fn at(html: &str) -> Option<(&str, &str)> {
            body_start(html).map(|at| (&html[..at], &html[at..]))
        }
        assert_eq!(
            at("<head></head><body></body>"),
            Some(("<head></head><body>", "</body>"))
        );
        assert_eq!(
            at("<body class=\"x\">\n</body>"),
            Some(("<body class=\"x\">", "\n</body>"))
        );
        // Not a body tag, and no body tag at all: nowhere.
        assert_eq!(at("<bodyguard></bodyguard>"), None);
        assert_eq!(at("<!doctype html><title>Roster</title>"), None);
        assert_eq!(at("<body"), None);
    }

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
