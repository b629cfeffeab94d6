//! The HTTP surface: one error shape, the app served for its routes, anti-forgery, security headers
//! and host checks, body limits, and a busy database.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use roster_model::{ErrorBody, ErrorCode, FirstRead, Me, Page, UserSummary, ViewCounts};
use roster_server::auth::FREE_FAILURES_PER_ACCOUNT;
use roster_server::dataset;
use std::time::Duration;
use tempfile::TempDir;

#[tokio::test]
async fn errors_have_one_shape_and_stable_codes() {
    let server = demo_server().await;
    for (uri, status, code, field) in [
        (
            "/api/v1/users?view=deleted",
            400,
            ErrorCode::BadRequest,
            Some("view"),
        ),
        (
            "/api/v1/users?sort=password",
            400,
            ErrorCode::BadRequest,
            Some("sort"),
        ),
        (
            "/api/v1/users?dir=up",
            400,
            ErrorCode::BadRequest,
            Some("dir"),
        ),
        (
            "/api/v1/users?limit=0",
            400,
            ErrorCode::BadRequest,
            Some("limit"),
        ),
        (
            "/api/v1/users?limit=201",
            400,
            ErrorCode::BadRequest,
            Some("limit"),
        ),
        (
            "/api/v1/users?limit=ten",
            400,
            ErrorCode::BadRequest,
            Some("limit"),
        ),
        (
            "/api/v1/users?cursor=garbage",
            422,
            ErrorCode::InvalidCursor,
            Some("cursor"),
        ),
        ("/api/v1/users/999999", 404, ErrorCode::NotFound, None),
        ("/api/v1/users/not-a-number", 404, ErrorCode::NotFound, None),
        // A link's token that decodes to no text is no link's token (it was axum's plain text).
        (
            "/api/v1/invitations/token/%ff",
            404,
            ErrorCode::NotFound,
            None,
        ),
        (
            "/api/v1/password-resets/%ff",
            404,
            ErrorCode::NotFound,
            None,
        ),
        ("/api/v1/nothing-here", 404, ErrorCode::NotFound, None),
        ("/api/v2/users", 404, ErrorCode::NotFound, None),
        ("/api", 404, ErrorCode::NotFound, None),
    ] {
        let (got_status, body) = server.get_error(uri).await;
        assert_eq!(got_status.as_u16(), status, "{uri}");
        assert_eq!(body.error.code, code, "{uri}");
        assert_eq!(body.error.field.as_deref(), field, "{uri}");
        assert!(!body.error.message.is_empty(), "{uri}");
    }
    let long = "a".repeat(201);
    let (status, body) = server.get_error(&format!("/api/v1/users?q={long}")).await;
    assert_eq!(
        (status.as_u16(), body.error.field.as_deref()),
        (400, Some("q"))
    );
    // A NUL is refused everywhere a list is searched: it ended the text early in SQLite's hands
    // (a 500). A tab or line break pasted around a term goes with the surrounding spaces.
    for list in [
        "/api/v1/users",
        "/api/v1/users/ids",
        "/api/v1/users/export",
        "/api/v1/import/candidates",
        "/api/v1/import/candidates/ids",
        "/api/v1/accounts/1/users",
    ] {
        for inside in ["ab%00cd", "%00", "chen%00"] {
            let (status, body) = server.get_error(&format!("{list}?q={inside}")).await;
            assert_eq!(
                (status.as_u16(), body.error.field.as_deref()),
                (400, Some("q")),
                "{list} {inside}"
            );
        }
    }
    let pasted = server.users("q=%09chen%0A").await;
    assert_eq!(
        pasted.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        server
            .users("q=chen")
            .await
            .items
            .iter()
            .map(|u| u.id)
            .collect::<Vec<_>>()
    );
    assert!(!pasted.items.is_empty());

    // A cursor made for one sort order is refused under another.
    let page = server.users("sort=email&limit=2").await;
    let cursor = page.next_cursor.expect("a second page");
    let (status, body) = server
        .get_error(&format!("/api/v1/users?sort=name&cursor={cursor}"))
        .await;
    assert_eq!(
        (status.as_u16(), body.error.code),
        (422, ErrorCode::InvalidCursor)
    );
    // So is a hand-made one whose key holds a NUL, which PostgreSQL's text cannot (a 500 there).
    let forged = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        r#"{"k":"chen\u0000","id":1,"d":"a","s":"name:asc"}"#,
    );
    let (status, body) = server
        .get_error(&format!("/api/v1/users?sort=name&cursor={forged}"))
        .await;
    assert_eq!(
        (status.as_u16(), body.error.code),
        (422, ErrorCode::InvalidCursor)
    );
}

#[tokio::test]
async fn the_app_is_served_for_its_routes_and_never_for_the_api() {
    let site = TempDir::new().expect("site dir");
    std::fs::write(
        site.path().join("index.html"),
        "<!doctype html><title>Roster</title>",
    )
    .expect("write index");
    std::fs::write(site.path().join("app.js"), "console.log('roster')").expect("write js");
    let mut server = server_with(
        |ids| dataset::demo(ids, NOW, password_hash()),
        Some(site.path()),
    )
    .await;
    server.sign_in_as(OWNER).await;
    for path in ["/", "/users/managed", "/users/3", "/user/3"] {
        let (status, content_type, body) = server.get_raw(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        assert!(String::from_utf8_lossy(&body).contains("<title>Roster</title>"));
    }
    let (status, content_type, _) = server.get_raw("/app.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("javascript"), "{content_type}");
    // A file that is not there is missing, not the app's page under a script's name.
    let (status, content_type, _) = server.get_raw("/assets/0000000000000000/roster.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{content_type}");
    let (status, error) = server.get_error("/api/v1/unknown").await;
    assert_eq!(
        (status, error.error.code),
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
}

#[tokio::test]
async fn state_changing_requests_need_the_anti_forgery_header_and_our_origin() {
    let server = anonymous_demo_server()
        .await
        .with_settings(|settings| settings.allowed_hosts = vec!["roster.example".into()]);
    let body = serde_json::json!({"email": OWNER, "password": PASSWORD}).to_string();
    let attempts = [
        Request::post("/api/v1/session")
            .header("content-type", "application/json")
            .body(Body::from(body.clone())),
        Request::post("/api/v1/session")
            .header("content-type", "application/json")
            .header(roster_model::CSRF_HEADER, "1")
            .header("host", "roster.example")
            .header("origin", "https://evil.example")
            .body(Body::from(body.clone())),
        Request::post("/api/v1/session")
            .header("content-type", "application/json")
            .header(roster_model::CSRF_HEADER, "1")
            .header("sec-fetch-site", "cross-site")
            .body(Body::from(body.clone())),
    ];
    for request in attempts {
        let response = server.send(request.expect("request")).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(response.headers().get("set-cookie").is_none());
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let error: ErrorBody = serde_json::from_slice(&bytes).expect("error shape");
        assert_eq!(error.error.code, ErrorCode::CsrfRejected);
    }
    // The same origin is fine.
    let request = Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .header(roster_model::CSRF_HEADER, "1")
        .header("host", "roster.example")
        .header("origin", "https://roster.example")
        .body(Body::from(body))
        .expect("request");
    assert_eq!(server.send(request).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_database_answers_503_with_retry_after_and_no_attempt_goes_unrecorded() {
    let mut server = server_with_busy_timeout(
        |ids| dataset::demo(ids, NOW, password_hash()),
        None,
        Duration::from_millis(200),
    )
    .await;
    server.sign_in_as(OWNER).await;
    let mut holder = database(&server).await;
    hold_write_lock(&server, &mut holder).await;

    let visitor = server.another_client();
    for password in [PASSWORD, "a wrong guess"] {
        let (status, headers, body) = visitor
            .send_json(
                "POST",
                "/api/v1/session",
                &[],
                Some(serde_json::json!({"email": MEMBER, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"]["code"], "unavailable");
        assert_eq!(
            headers.get("retry-after").and_then(|v| v.to_str().ok()),
            Some("1")
        );
    }
    let (status, _) = server
        .post_json(
            "/api/v1/invitations",
            serde_json::json!({"emails": ["busy@northwind.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    // Reading goes on meanwhile.
    let _: Page<roster_model::UserSummary> = server.get("/api/v1/users").await;

    release_write_lock(&mut holder).await;
    // No password was checked while busy, so none went unrecorded: the free failures are intact.
    for _ in 0..FREE_FAILURES_PER_ACCOUNT {
        assert_eq!(
            visitor.post_sign_in(MEMBER, "guess").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        visitor.post_sign_in(MEMBER, PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn an_oversized_body_answers_413() {
    let server = demo_server().await;
    let emails: Vec<String> = (0..120_000)
        .map(|i| format!("person{i}@northwind.example"))
        .collect();
    let (status, body) = server
        .post_json(
            "/api/v1/invitations",
            serde_json::json!({ "emails": emails }),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_only_our_hosts_are_served() {
    let site = tempfile::TempDir::new().expect("site");
    let loader = "\nimport init from '/roster.js';\nawait init();\n";
    std::fs::write(
        site.path().join("index.html"),
        format!("<!doctype html><head><script type=\"module\">{loader}</script></head>"),
    )
    .expect("index");
    let mut server = server_with(
        |ids| dataset::demo(ids, NOW, password_hash()),
        Some(site.path()),
    )
    .await;
    server.sign_in_as(OWNER).await;
    let hash = csp_hash(loader);
    // (The Managed list's page, for a signed-in admin, is also never stored: see
    // `a_page_load_of_the_managed_list_is_made_for_an_admin_only_and_never_stored`.)
    for (path, api) in [
        ("/api/v1/users", true),
        ("/accounts", false),
        ("/api/v1/nothing", true),
        // SCIM's answers carry people too (an attacker's pass found them cacheable).
        ("/scim/v2/Users", true),
    ] {
        let response = server
            .send(
                Request::get(path)
                    .header("host", "127.0.0.1:8080")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'self'",
            &format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'"),
            "style-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp} lacks {directive}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(header("cache-control") == "no-store", api, "{path}");
    }

    // DNS rebinding: a page on another site that resolves its name to this server is refused.
    let response = server
        .send(
            Request::get("/api/v1/users")
                .header("host", "attacker.example")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let status = response.status();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("body")
        .to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    assert_eq!(status, StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(body["error"]["code"], "misdirected_request");
    assert!(!body.to_string().contains("@northwind.example"));
}

#[tokio::test]
async fn the_built_files_are_sent_precompressed_and_hashed_ones_cached_for_good() {
    let site = TempDir::new().expect("site dir");
    let write = |name: &str, body: &[u8]| {
        std::fs::write(site.path().join(name), body).expect("write site file");
    };
    std::fs::create_dir_all(site.path().join("assets/0123456789abcdef")).expect("asset dir");
    write("index.html", b"<!doctype html><title>Roster</title>");
    write("index.html.br", b"brotli page");
    write("assets/0123456789abcdef/roster_bg.wasm", b"\0asm plain");
    write("assets/0123456789abcdef/roster_bg.wasm.br", b"brotli wasm");
    write("assets/0123456789abcdef/roster_bg.wasm.gz", b"gzip wasm");
    let server = server_with(
        |ids| dataset::demo(ids, NOW, password_hash()),
        Some(site.path()),
    )
    .await;
    let fetch = |path: &'static str, accept: &'static str| {
        let request = Request::get(path)
            .header("accept-encoding", accept)
            .body(Body::empty())
            .expect("request");
        let server = &server;
        async move {
            let response = server.send(request).await;
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            let (encoding, cache) = (header("content-encoding"), header("cache-control"));
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            (status, encoding, cache, body)
        }
    };
    let wasm = "/assets/0123456789abcdef/roster_bg.wasm";
    let (status, encoding, cache, body) = fetch(wasm, "gzip, deflate, br").await;
    assert_eq!(
        (status, encoding.as_str(), &body[..]),
        (StatusCode::OK, "br", &b"brotli wasm"[..])
    );
    assert_eq!(cache, "public, max-age=31536000, immutable");
    let (_, encoding, _, body) = fetch(wasm, "gzip").await;
    assert_eq!((encoding.as_str(), &body[..]), ("gzip", &b"gzip wasm"[..]));
    let (_, encoding, _, body) = fetch(wasm, "identity").await;
    assert_eq!((encoding.as_str(), &body[..]), ("", &b"\0asm plain"[..]));
    // The page names the current hashes, so it is checked again every time, at every route.
    for path in ["/", "/users/managed"] {
        let (status, encoding, cache, body) = fetch(path, "br").await;
        assert_eq!(
            (status, encoding.as_str(), &body[..]),
            (StatusCode::OK, "br", &b"brotli page"[..]),
            "{path}"
        );
        assert_eq!(cache, "no-cache", "{path}");
    }
}

/// A signed-in admin's page load of the Managed list is made for them (it carries their first page,
/// see the next test): it is never stored, and a copy of the page as built is no answer to it. Nobody
/// who would be refused the list gets it, nor does a page that asks elsewhere.
#[tokio::test]
async fn a_page_load_of_the_managed_list_is_made_for_an_admin_only_and_never_stored() {
    let page_with = |router_base: &str| {
        let site = TempDir::new().expect("site dir");
        let meta = format!(
            r#"<meta name="roster-api-base" content="/api/v1" /><meta name="roster-router-base" content="{router_base}" />"#
        );
        std::fs::write(
            site.path().join("index.html"),
            format!("<!doctype html><head>{meta}<title>Roster</title></head><body></body>"),
        )
        .expect("write index.html");
        site
    };
    let site = page_with("");
    let mut server = server_with(
        |ids| dataset::demo(ids, NOW, password_hash()),
        Some(site.path()),
    )
    .await;
    // Signed out: the page as built.
    let (status, painted, cache, last_modified) = page_load(&server, "/users/managed", None).await;
    assert_eq!(
        (status, painted, cache.as_deref()),
        (StatusCode::OK, false, Some("no-cache"))
    );
    let last_modified = last_modified.expect("last-modified");

    server.sign_in_as(OWNER).await;
    // The browser's copy of the signed-out page is no answer now: the whole page comes back.
    for (path, since) in [
        ("/users/managed", None),
        ("/", None),
        ("/users", Some(last_modified.as_str())),
    ] {
        let (status, painted, cache, _) = page_load(&server, path, since).await;
        assert_eq!(
            (status, painted, cache.as_deref()),
            (StatusCode::OK, true, Some("no-store")),
            "{path}"
        );
    }
    // Another list, a search, a file or a user's page: the app shows something else first.
    for path in [
        "/users/invited",
        "/users/managed?q=chen",
        "/accounts",
        "/users/1",
    ] {
        let (status, painted, cache, _) = page_load(&server, path, None).await;
        assert_eq!(
            (status, painted, cache.as_deref()),
            (StatusCode::OK, false, Some("no-cache")),
            "{path}"
        );
    }
    // A Member may not read the list.
    let mut member = server.another_client();
    member.sign_in_as(MEMBER).await;
    let (_, painted, cache, _) = page_load(&member, "/users/managed", None).await;
    assert_eq!((painted, cache.as_deref()), (false, Some("no-cache")));
    // Nor may an Administrator who owes a two-factor enrolment, until enrolled.
    let owes_enrolment = member_owing_enrolment();
    server.promote(&owes_enrolment).await;
    let mut enrolling = server.another_client();
    enrolling.sign_in_as(&owes_enrolment).await;
    let (status, _) = enrolling.get_error("/api/v1/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, painted, _, _) = page_load(&enrolling, "/users/managed", None).await;
    assert!(!painted);
    // A page that routes elsewhere (here: under a base) is served as built.
    let moved = page_with("/console");
    let mut elsewhere = server_with(
        |ids| dataset::demo(ids, NOW, password_hash()),
        Some(moved.path()),
    )
    .await;
    elsewhere.sign_in_as(OWNER).await;
    for path in ["/users/managed", "/console/users/managed"] {
        let (status, painted, _, _) = page_load(&elsewhere, path, None).await;
        assert_eq!((status, painted), (StatusCode::OK, false), "{path}");
    }
    // Nor after signing out (the cookie is still sent; its session is over).
    let (status, _, _) = server
        .send_json("DELETE", "/api/v1/session", &[], None)
        .await;
    assert!(status.is_success(), "{status}");
    let (_, painted, _, _) = page_load(&server, "/users/managed", None).await;
    assert!(!painted);
}

/// A page load of `path`: its status, whether it carries a first paint, and its Cache-Control and
/// Last-Modified headers.
async fn page_load(
    server: &TestServer,
    path: &str,
    if_modified_since: Option<&str>,
) -> (StatusCode, bool, Option<String>, Option<String>) {
    let mut request = Request::get(path);
    if let Some(since) = if_modified_since {
        request = request.header("if-modified-since", since);
    }
    let response = server
        .send(request.body(Body::empty()).expect("request"))
        .await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (status, cache, last_modified) = (
        response.status(),
        header("cache-control"),
        header("last-modified"),
    );
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the page")
        .to_bytes();
    let painted = String::from_utf8_lossy(&body).contains("roster-first-paint");
    (status, painted, cache, last_modified)
}

#[tokio::test]
async fn the_api_publishes_its_contract_and_answers_405_for_methods_no_route_takes() {
    let server = demo_server().await;
    let document: serde_json::Value = server.get("/api/v1/openapi.json").await;
    assert_eq!(document["openapi"], "3.1.0");
    for (path, method) in [
        ("/users", "get"),
        ("/users/{user_id}", "patch"),
        ("/users/bulk", "post"),
        ("/invitations", "post"),
        ("/session", "delete"),
    ] {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is not described"
        );
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());

    // Without the anti-forgery header too: no route takes PUT there, whoever asks.
    let response = server
        .send(
            Request::put("/api/v1/health")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.headers().get("allow").is_some());
    let (status, _, body) = server.send_json("DELETE", "/api/v1/users", &[], None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
    );
}

#[tokio::test]
async fn whole_numbers_written_with_a_fraction_count_as_integers() {
    let server = demo_server().await;
    let (status, body) = server
        .post_json(
            "/api/v1/users/bulk",
            serde_json::json!({"action": "require_two_factor", "ids": [999_999.0]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["id"], 999_999);
    let (status, body) = server
        .post_json(
            "/api/v1/users/bulk",
            serde_json::json!({"action": "require_two_factor", "ids": [1.5]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

/// A signed-in admin's page load of the Managed list carries the list's first page as HTML (the
/// first paint, painted before the app has downloaded), every value escaped, and the answers of the
/// list's first reads as the API gives them, for the app to take instead of asking; nobody who may
/// not read the list gets it, and no other page load does.
#[tokio::test]
async fn a_page_load_of_the_managed_list_carries_its_first_paint_for_an_admin_only() {
    let site = TempDir::new().expect("site dir");
    let link = r#"<link rel="stylesheet" href="/assets/0123456789abcdef/roster.css" integrity="sha384-x" />"#;
    std::fs::write(
        site.path().join("index.html"),
        format!(r#"<!doctype html><head><meta name="roster-api-base" content="/api/v1" /><meta name="roster-router-base" content="" />{link}</head><body></body>"#),
    )
    .expect("write index.html");
    let sheet = ".roster-shell{color:CanvasText}";
    std::fs::create_dir_all(site.path().join("assets/0123456789abcdef")).expect("assets");
    std::fs::write(
        site.path().join("assets/0123456789abcdef/roster.css"),
        sheet,
    )
    .expect("write the stylesheet");
    let mut server = server_with(
        |ids| dataset::demo(ids, NOW, password_hash()),
        Some(site.path()),
    )
    .await;
    let first_paint = |page: &str| {
        let body = &page[page.find("<body>").expect("a body") + "<body>".len()..];
        body[..body.find("</body>").expect("the body's end")].to_owned()
    };
    let signed_out = body_of(&server, "/users/managed").await;
    assert_eq!(first_paint(&signed_out), "");
    // Nothing painted, nothing to hurry: the stylesheet is the cached file.
    assert!(signed_out.contains(link) && !signed_out.contains("<style>"));

    server.sign_in_as(OWNER).await;
    // A name that would be markup if it were not escaped, first in the list by family name.
    let (status, body) = server
        .patch_as_read(
            id_of(MEMBER),
            serde_json::json!({"given_name": "Sam\"><script>alert(1)</script>", "family_name": "<img src=x onerror=alert(2)>"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list: Page<UserSummary> = server
        .get("/api/v1/users?view=managed&sort=name&dir=asc&limit=25")
        .await;
    let counts: ViewCounts = server.get("/api/v1/users/counts").await;
    // The stylesheet comes inside the painted page, so that it paints without asking for it
    // first; the Content Security Policy allows exactly that sheet.
    let response = server
        .send(
            Request::get("/users/managed")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let csp = response
        .headers()
        .get("content-security-policy")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let sheet_hash = csp_hash(sheet);
    assert!(
        csp.contains(&format!("style-src 'self' 'sha256-{sheet_hash}';")),
        "{csp}"
    );
    for path in ["/", "/users", "/users/managed"] {
        let page = body_of(&server, path).await;
        assert!(
            page.contains(&format!("<style>{sheet}</style></head>")) && !page.contains("<link"),
            "{path}: {page}"
        );
        // The template breaks its lines inside tags.
        let shown = first_paint(&page).replace("\n>", ">");
        // Drawn for the owner in their organization, and marked so: the app takes nothing from
        // it for anyone else.
        let me: Me = server.get("/api/v1/session").await;
        assert!(
            shown.starts_with(&format!(
                r#"<div class="roster-first-paint" {}="{}@{}" inert aria-hidden="true">"#,
                FirstRead::FOR_ATTRIBUTE,
                me.user.id,
                me.organization.id
            )),
            "{path}: {shown}"
        );
        // Every row of the first page, in the list's order, and each tab's count.
        let mut rest = shown.as_str();
        for user in &list.items {
            let cell = format!("<td>{}</td>", user.email);
            let at = rest
                .find(&cell)
                .unwrap_or_else(|| panic!("{path}: {cell} in order"));
            rest = &rest[at + cell.len()..];
        }
        assert_eq!(list.items.len(), 25);
        assert_eq!(shown.matches("<tr>").count(), 1 + 25, "{path}");
        for count in [
            counts.managed,
            counts.external,
            counts.invited,
            counts.imported,
        ] {
            assert!(
                shown.contains(&format!(
                    r#"<span class="roster-tab__count">{count}</span>"#
                )),
                "{path}: {count}"
            );
        }
        assert!(
            shown.contains(&format!("{} users", counts.managed)),
            "{path}"
        );
        // The answers of the first reads, whole, after the picture: the app reads them as the
        // API's own, and no name in them ends their element.
        let (picture, reads) = shown
            .split_once("<script ")
            .unwrap_or_else(|| panic!("{path}: the first reads"));
        let reads = format!("<script {reads}");
        let carried = |read: FirstRead| -> serde_json::Value {
            let start = format!(
                r#"<script type="application/json" {}="{}">"#,
                FirstRead::ATTRIBUTE,
                read.name()
            );
            let text = &reads[reads.find(&start).expect("the read") + start.len()..];
            let text = &text[..text.find("</script>").expect("its end")];
            assert!(!text.contains('<'), "{path}: {text}");
            serde_json::from_str(text).expect("JSON")
        };
        assert_eq!(
            carried(FirstRead::Users),
            serde_json::to_value(&list).expect("list")
        );
        assert_eq!(
            carried(FirstRead::Counts),
            serde_json::to_value(&counts).expect("counts")
        );
        assert_eq!(
            reads.matches("<script").count(),
            FirstRead::ALL.len(),
            "{path}"
        );
        assert!(reads.ends_with("</script></div>"), "{path}: {reads}");
        let shown = picture;
        // The renamed member leads the list, as text.
        assert!(
            !shown.contains("<script") && !shown.contains("<img"),
            "{path}"
        );
        assert!(
            shown.contains(
                "Sam&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62; &#60;img src=x onerror=alert(2)&#62;"
            ),
            "{path}: {shown}"
        );
    }
    // Another list, a search, another page: the page as built.
    for path in ["/users/invited", "/users/managed?q=chen", "/accounts"] {
        assert_eq!(first_paint(&body_of(&server, path).await), "", "{path}");
    }
    // A Member may not read the list.
    let mut member = server.another_client();
    member.sign_in_as(MEMBER).await;
    assert_eq!(first_paint(&body_of(&member, "/users/managed").await), "");
    // Nor anyone once signed out (the cookie is still sent; its session is over).
    let (status, _, _) = server
        .send_json("DELETE", "/api/v1/session", &[], None)
        .await;
    assert!(status.is_success(), "{status}");
    assert_eq!(first_paint(&body_of(&server, "/users/managed").await), "");
}

/// How a Content Security Policy names an inline script or stylesheet: its base64 SHA-256.
fn csp_hash(text: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes()))
}

/// The page a load of `path` is served.
async fn body_of(server: &TestServer, path: &str) -> String {
    let (_, _, body) = server.get_raw(path).await;
    String::from_utf8(body).expect("utf-8")
}
