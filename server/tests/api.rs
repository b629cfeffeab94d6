//! The API against a real SQLite file holding the demo organization, through the full router.

mod common;

use std::collections::HashSet;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use roster_model::{
    AccountSummary, Domain, ErrorBody, ErrorCode, Organization, Page, Relation, UserDetail,
    UserSummary, UserView, ViewCounts,
};
use roster_model::{DELETE_CONSEQUENCES, REMOVE_CONSEQUENCES};
use roster_server::app;
use roster_server::dataset;
use roster_server::secrets::SecretKey;
use roster_server::state::{AppState, Clock};
use roster_server::store::Store;
use tempfile::TempDir;

#[tokio::test]
async fn organization_and_counts() {
    let server = demo_server().await;
    let org: Organization = server.get("/api/v1/organization").await;
    assert_eq!(org.name, "Northwind Labs");
    assert!(org.features.bulk_import);
    let counts: ViewCounts = server.get("/api/v1/users/counts").await;
    assert_eq!(
        counts,
        ViewCounts {
            managed: 34,
            external: 8,
            invited: 10,
            imported: 8
        }
    );
}

#[tokio::test]
async fn each_view_lists_its_kind_of_user() {
    let server = demo_server().await;
    let managed = server.users("view=managed&limit=200").await;
    assert_eq!(managed.total, 34);
    assert!(managed
        .items
        .iter()
        .all(|u| u.org_role.is_some() && u.joined_at.is_some() && u.invitation.is_none()));
    assert_eq!(
        managed
            .items
            .iter()
            .filter(|u| u.imported.is_some())
            .count(),
        8
    );

    let external = server.users("view=external&limit=200").await;
    assert_eq!(external.total, 8);
    assert!(external
        .items
        .iter()
        .all(|u| u.org_role.is_none() && u.account_count > 0));

    let invited = server.users("view=invited&limit=200").await;
    assert_eq!(invited.total, 10);
    assert!(invited
        .items
        .iter()
        .all(|u| u.invitation.is_some() && u.org_role.is_none()));
    assert_eq!(
        invited
            .items
            .iter()
            .filter(|u| u.invitation.as_ref().is_some_and(|i| i.expired))
            .count(),
        3
    );
    assert!(invited.items.iter().all(|u| u
        .invitation
        .as_ref()
        .is_some_and(|i| i.invited_by.is_some())));

    let imported = server.users("view=imported&limit=200").await;
    assert_eq!(imported.total, 8);
    assert!(imported
        .items
        .iter()
        .all(|u| u.imported.as_ref().is_some_and(|i| i
            .imported_by
            .as_ref()
            .is_some_and(|by| by.name == "Maya Chen"))));
}

#[tokio::test]
async fn another_organizations_users_never_show() {
    let server = demo_server().await;
    for view in UserView::ALL {
        let page = server
            .users(&format!("view={}&limit=200", view.as_str()))
            .await;
        assert!(
            page.items
                .iter()
                .all(|u| !u.email.ends_with("@globex.example")),
            "{view:?}"
        );
    }
    let scorpio = server.users("view=managed&q=scorpio").await;
    assert_eq!(scorpio.total, 0);
    // Globex's people are not reachable through Northwind by id either.
    let demo = demo_as_inserted();
    let globex_ids: Vec<i64> = demo
        .users
        .iter()
        .filter(|u| u.email.ends_with("@globex.example"))
        .map(|u| u.id)
        .collect();
    assert_eq!(globex_ids.len(), 6);
    for id in globex_ids {
        let (status, body) = server.get_error(&format!("/api/v1/users/{id}")).await;
        assert_eq!(
            (status, body.error.code),
            (StatusCode::NOT_FOUND, ErrorCode::NotFound)
        );
    }
}

#[tokio::test]
async fn search_matches_substrings_of_name_and_email_case_insensitively() {
    let server = demo_server().await;
    let found = server.users("q=MAYA%20ch").await;
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].email, "maya.chen@northwind.example");
    let by_email = server.users("q=northwindlabs.ex").await;
    assert!(by_email.total > 0);
    assert!(by_email
        .items
        .iter()
        .all(|u| u.email.ends_with("@northwindlabs.example")));
    let wildcard = server.users("q=%25").await;
    assert_eq!(
        wildcard.total, 0,
        "a literal % matches nothing, it is not a wildcard"
    );
    let external = server.users("view=external&q=brightpixel").await;
    assert!(
        external.total > 0
            && external
                .items
                .iter()
                .all(|u| u.email.contains("brightpixel"))
    );
    let blank = server.users("q=%20%20").await;
    assert_eq!(blank.total, 34, "blank search is no search");
}

#[tokio::test]
async fn cursor_paging_has_no_gaps_or_duplicates_in_either_direction() {
    let server = demo_server().await;
    for view in UserView::ALL {
        for sort in ["name", "email", "date"] {
            for dir in ["asc", "desc"] {
                let query = format!("view={}&sort={sort}&dir={dir}&limit=3", view.as_str());
                let everything = server
                    .users(&format!(
                        "view={}&sort={sort}&dir={dir}&limit=200",
                        view.as_str()
                    ))
                    .await;
                let pages = server.walk_forward(&query).await;
                let ids: Vec<i64> = pages
                    .iter()
                    .flat_map(|p| p.items.iter().map(|u| u.id))
                    .collect();
                let expected: Vec<i64> = everything.items.iter().map(|u| u.id).collect();
                assert_eq!(ids, expected, "{query}");
                assert_eq!(
                    ids.iter().collect::<HashSet<_>>().len(),
                    ids.len(),
                    "{query}"
                );
                assert_eq!(ids.len() as u64, everything.total, "{query}");
                assert!(pages[0].prev_cursor.is_none(), "{query}");

                // Back from the last page, page by page, to the first.
                let mut back = vec![pages.last().cloned().expect("a page")];
                while let Some(cursor) = back.last().and_then(|p| p.prev_cursor.clone()) {
                    assert!(
                        back.len() <= pages.len(),
                        "{query}: backwards paging does not end"
                    );
                    back.push(server.users(&format!("{query}&cursor={cursor}")).await);
                }
                back.reverse();
                let back_ids: Vec<Vec<i64>> = back
                    .iter()
                    .map(|p| p.items.iter().map(|u| u.id).collect())
                    .collect();
                let forward_ids: Vec<Vec<i64>> = pages
                    .iter()
                    .map(|p| p.items.iter().map(|u| u.id).collect())
                    .collect();
                assert_eq!(back_ids, forward_ids, "{query}");
            }
        }
    }
}

#[tokio::test]
async fn sorting_orders_rows() {
    let server = demo_server().await;
    let by_email = server.users("sort=email&limit=200").await;
    let emails: Vec<&str> = by_email.items.iter().map(|u| u.email.as_str()).collect();
    let mut sorted = emails.clone();
    sorted.sort();
    assert_eq!(emails, sorted);
    let newest_first = server.users("sort=date&dir=desc&limit=200").await;
    let joined: Vec<i64> = newest_first
        .items
        .iter()
        .filter_map(|u| u.joined_at)
        .collect();
    assert!(joined.windows(2).all(|w| w[0] >= w[1]));
}

#[tokio::test]
async fn user_detail_shows_roles_per_account() {
    let server = demo_server().await;
    let maya = server.users("q=maya.chen").await.items.remove(0);
    let detail: UserDetail = server.get(&format!("/api/v1/users/{}", maya.id)).await;
    assert_eq!(detail.relation, Some(Relation::Managed));
    assert_eq!(detail.org_role, Some(roster_model::OrgRole::Owner));
    let owned: Vec<&str> = detail
        .accounts
        .iter()
        .filter(|a| a.owner)
        .map(|a| a.account.name.as_str())
        .collect();
    assert_eq!(owned.len(), 4, "{owned:?}");
    assert!(detail.accounts.iter().all(|a| !a.roles.is_empty()));

    let external = server.users("view=external&limit=1").await.items.remove(0);
    let detail: UserDetail = server.get(&format!("/api/v1/users/{}", external.id)).await;
    assert_eq!(detail.relation, Some(Relation::External));
    assert!(detail.org_role.is_none());
    assert!(!detail.accounts.is_empty());

    let invited = server.users("view=invited&limit=1").await.items.remove(0);
    let detail: UserDetail = server.get(&format!("/api/v1/users/{}", invited.id)).await;
    assert_eq!(detail.relation, Some(Relation::Invited));
    assert!(detail.invitation.is_some());
}

#[tokio::test]
async fn accounts_and_domains() {
    let server = demo_server().await;
    let accounts: Page<AccountSummary> = server.get("/api/v1/accounts?limit=5").await;
    assert_eq!(accounts.total, 12);
    assert_eq!(accounts.items.len(), 5);
    assert!(accounts
        .items
        .iter()
        .all(|a| a.owner.is_some() && a.user_count >= 1 && a.sid.starts_with("AC")));
    let next: Page<AccountSummary> = server
        .get(&format!(
            "/api/v1/accounts?limit=5&cursor={}",
            accounts.next_cursor.clone().expect("more accounts")
        ))
        .await;
    assert!(next.items.iter().all(|a| a.name > accounts.items[4].name));
    let search: Page<AccountSummary> = server.get("/api/v1/accounts?q=production").await;
    assert_eq!(search.total, 3);

    let domains: Vec<Domain> = server.get("/api/v1/domains").await;
    assert_eq!(domains.len(), 4);
    assert!(domains
        .iter()
        .all(|d| d.txt_host == format!("_roster.{}", d.name)));
}

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
            400,
            ErrorCode::InvalidCursor,
            Some("cursor"),
        ),
        ("/api/v1/users/999999", 404, ErrorCode::NotFound, None),
        ("/api/v1/users/not-a-number", 404, ErrorCode::NotFound, None),
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

    // A cursor made for one sort order is refused under another.
    let page = server.users("sort=email&limit=2").await;
    let cursor = page.next_cursor.expect("a second page");
    let (status, body) = server
        .get_error(&format!("/api/v1/users?sort=name&cursor={cursor}"))
        .await;
    assert_eq!(
        (status.as_u16(), body.error.code),
        (400, ErrorCode::InvalidCursor)
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
    for path in ["/", "/users/managed", "/user/3"] {
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
    let (status, error) = server.get_error("/api/v1/unknown").await;
    assert_eq!(
        (status, error.error.code),
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
}

#[tokio::test]
async fn generated_organizations_page_through_thousands_of_users() {
    let mut server = server_with(
        |ids| dataset::organization_of_size(ids, 3000, 0, NOW, Some(password_hash())),
        None,
    )
    .await;
    server.sign_in_as("owner@org1.example").await;
    let counts: ViewCounts = server.get("/api/v1/users/counts").await;
    assert_eq!(counts.managed, 2700);
    assert_eq!(counts.external, 120);
    assert_eq!(counts.invited, 90);
    let pages = server
        .walk_forward("view=managed&sort=email&limit=200")
        .await;
    let ids: HashSet<i64> = pages
        .iter()
        .flat_map(|p| p.items.iter().map(|u| u.id))
        .collect();
    assert_eq!(ids.len(), 2700);
}

#[tokio::test]
async fn search_agrees_with_a_plain_substring_filter() {
    let server = demo_server().await;
    let everyone = server.users("view=managed&limit=200").await.items;
    for q in [
        "ch",
        "c",
        "chen",
        "NORTHWIND",
        "o'brien",
        "müller",
        "garcía",
        ".example",
        "_",
        "%",
        "a_b",
        "\\",
        "zzz",
    ] {
        let needle = q.to_lowercase();
        let mut expected: Vec<i64> = everyone
            .iter()
            .filter(|u| {
                format!("{} {} {}", u.given_name, u.family_name, u.email)
                    .to_lowercase()
                    .contains(&needle)
            })
            .map(|u| u.id)
            .collect();
        expected.sort();
        let encoded: String = q.bytes().map(|b| format!("%{b:02X}")).collect();
        let mut found: Vec<i64> = server
            .users(&format!("view=managed&limit=200&q={encoded}"))
            .await
            .items
            .iter()
            .map(|u| u.id)
            .collect();
        found.sort();
        assert_eq!(found, expected, "q={q}");
    }
}

const MANAGEMENT_ROUTES: [&str; 7] = [
    "/api/v1/audit",
    "/api/v1/users",
    "/api/v1/users?view=invited",
    "/api/v1/users/counts",
    "/api/v1/users/1",
    "/api/v1/accounts",
    "/api/v1/domains",
];

#[tokio::test]
async fn every_route_but_health_and_sign_in_needs_a_session() {
    let server = anonymous_demo_server().await;
    for uri in MANAGEMENT_ROUTES
        .into_iter()
        .chain(["/api/v1/organization", "/api/v1/session"])
    {
        let (status, body) = server.get_error(uri).await;
        assert_eq!(
            (status, body.error.code),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            "{uri}"
        );
    }
    let (status, _, _) = server.get_raw("/api/v1/health").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn members_are_signed_in_but_manage_nobody() {
    let mut server = anonymous_demo_server().await;
    server.sign_in_as(MEMBER).await;
    let me: roster_model::Me = server.get("/api/v1/session").await;
    assert_eq!(me.role, roster_model::OrgRole::Member);
    assert!(!me.manages_users);
    assert_eq!(me.organization.name, "Northwind Labs");
    let _: Organization = server.get("/api/v1/organization").await;
    for uri in MANAGEMENT_ROUTES {
        let (status, body) = server.get_error(uri).await;
        assert_eq!(
            (status, body.error.code),
            (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn owners_see_who_they_are() {
    let server = demo_server().await;
    let me: roster_model::Me = server.get("/api/v1/session").await;
    assert_eq!(me.user.email, OWNER);
    assert_eq!(me.user.name, "Maya Chen");
    assert_eq!(me.role, roster_model::OrgRole::Owner);
    assert!(me.manages_users);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let server = anonymous_demo_server().await;
    let (wrong_status, wrong_cookie, wrong) = server.post_sign_in(OWNER, "not it").await;
    let (unknown_status, unknown_cookie, unknown) = server
        .post_sign_in("nobody@northwind.example", PASSWORD)
        .await;
    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!((wrong_status, &wrong), (unknown_status, &unknown));
    assert_eq!(
        wrong["error"]["message"],
        "That email and password do not match."
    );
    assert!(wrong_cookie.is_none() && unknown_cookie.is_none());
    // An invited user, who has no password yet, cannot sign in either.
    let invited = demo_as_inserted()
        .users
        .into_iter()
        .find(|u| u.status == roster_model::UserStatus::Invited)
        .expect("an invitee");
    let (status, _, _) = server.post_sign_in(&invited.email, PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_secure_behind_https() {
    let server = anonymous_demo_server().await;
    let (_, cookie, _) = server.post_sign_in(OWNER, PASSWORD).await;
    let cookie = cookie.expect("cookie");
    assert!(cookie.starts_with("roster_session="), "{cookie}");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");

    // X-Forwarded-Proto counts only from a proxy the server was told to trust.
    let server = server.with_settings(|settings| {
        settings.trusted_proxies = vec!["10.0.0.0/8".parse().expect("range")];
    });
    let cookie_from = |peer: &str| {
        let mut request = Request::post("/api/v1/session")
            .header("content-type", "application/json")
            .header(roster_model::CSRF_HEADER, "1")
            .header("x-forwarded-proto", "https")
            .body(Body::from(
                serde_json::json!({"email": OWNER, "password": PASSWORD}).to_string(),
            ))
            .expect("request");
        let peer: std::net::SocketAddr = peer.parse().expect("address");
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        let server = &server;
        async move {
            let response = server.send(request).await;
            response
                .headers()
                .get("set-cookie")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        }
    };
    let cookie = cookie_from("10.0.0.2:4000").await;
    assert!(
        cookie.contains("Secure"),
        "behind the trusted proxy: {cookie}"
    );
    let cookie = cookie_from("198.51.100.7:4000").await;
    assert!(cookie.starts_with("roster_session="), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "a client's own header: {cookie}"
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

#[tokio::test]
async fn repeated_failures_make_the_next_attempt_wait_and_the_wait_ends() {
    let server = anonymous_demo_server().await;
    for _ in 0..roster_server::auth::FREE_FAILURES_PER_ACCOUNT {
        let (status, _, _) = server.post_sign_in(OWNER, "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now, so guessing gains nothing…
    let request = Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .header(roster_model::CSRF_HEADER, "1")
        .body(Body::from(
            serde_json::json!({"email": OWNER, "password": PASSWORD}).to_string(),
        ))
        .expect("request");
    let response = server.send(request).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("2"),
        "the first pause is short"
    );
    assert!(response.headers().get("set-cookie").is_none());
    // …another account is not affected…
    let (status, _, _) = server.post_sign_in(MEMBER, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    // …and once the pause is over, the right password works: no lock to wait out.
    server.advance(2);
    let (status, _, body) = server.post_sign_in(OWNER, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Success forgets the failures: the next mistake costs no pause.
    let (status, _, _) = server.post_sign_in(OWNER, "guess").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = server.post_sign_in(OWNER, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn pauses_grow_with_every_failure_up_to_a_limit() {
    let server = anonymous_demo_server().await;
    let guess = serde_json::json!({"email": OWNER, "password": "guess"});
    let mut pauses = Vec::new();
    // Five free failures, then ten pauses, each followed by one more failure: all within the hour
    // over which failures count.
    for _ in 0..24 {
        let (status, headers, _) = server
            .send_json("POST", "/api/v1/session", &[], Some(guess.clone()))
            .await;
        if status == StatusCode::UNAUTHORIZED {
            continue;
        }
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        let wait: i64 = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After");
        // A moment too early is still refused; the moment the answer named is not.
        server.advance(wait - 1);
        let (status, _, _) = server.post_sign_in(OWNER, PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        server.advance(1);
        pauses.push(wait);
    }
    assert_eq!(&pauses[..4], &[2, 4, 8, 16], "{pauses:?}");
    assert!(pauses.windows(2).all(|w| w[0] <= w[1]), "{pauses:?}");
    assert_eq!(
        pauses.last().copied(),
        Some(roster_server::auth::LONGEST_PAUSE_SECONDS),
        "{pauses:?}"
    );
}

#[tokio::test]
async fn sessions_end_on_sign_out_when_idle_and_at_their_maximum_age() {
    let mut server = demo_server().await;
    let request = Request::delete("/api/v1/session")
        .header(roster_model::CSRF_HEADER, "1")
        .body(Body::empty())
        .expect("request");
    let response = server.send(request).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let (status, _) = server.get_error("/api/v1/users").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old cookie opens nothing"
    );

    server.sign_in_as(OWNER).await;
    server.advance(roster_server::auth::SESSION_IDLE_SECONDS - 60);
    let _: Organization = server.get("/api/v1/organization").await;
    server.advance(roster_server::auth::SESSION_IDLE_SECONDS - 60);
    let _: Organization = server.get("/api/v1/organization").await;
    server.advance(roster_server::auth::SESSION_IDLE_SECONDS + 1);
    let (status, _) = server.get_error("/api/v1/organization").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "idle too long");

    server.sign_in_as(OWNER).await;
    let step = roster_server::auth::SESSION_IDLE_SECONDS - 60;
    let mut elapsed = 0;
    loop {
        server.advance(step);
        elapsed += step;
        let (status, _, _) = server.get_raw("/api/v1/organization").await;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            elapsed < roster_server::auth::SESSION_MAX_SECONDS,
            "still open after {elapsed} s"
        );
    }
    assert!(
        elapsed >= roster_server::auth::SESSION_MAX_SECONDS,
        "ended early, after {elapsed} s of steady use"
    );
}

#[tokio::test]
async fn sign_in_sign_out_and_failures_are_audited() {
    let dir = TempDir::new().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("roster.db").display());
    let key = SecretKey::ephemeral();
    let store = Store::open(&url, key.clone()).await.expect("open");
    store
        .insert_dataset(&dataset::demo(
            store.next_ids().await.expect("ids"),
            NOW,
            password_hash(),
        ))
        .await
        .expect("demo");
    let state = AppState::new(
        store.clone(),
        Clock::from_fn(|| NOW),
        dir.path().join("mail"),
    )
    .expect("state");
    let mut server = TestServer {
        router: app::router(state.clone(), None),
        state,
        cookie: None,
        now: Arc::new(AtomicI64::new(NOW)),
        key,
        _dir: Arc::new(dir),
    };
    server.post_sign_in(OWNER, "wrong").await;
    server.sign_in_as(OWNER).await;
    let request = Request::delete("/api/v1/session")
        .header(roster_model::CSRF_HEADER, "1")
        .body(Body::empty())
        .expect("request");
    server.send(request).await;
    server.sign_in_as(OWNER).await;
    let log: Page<roster_model::AuditEntry> = server.get("/api/v1/audit").await;
    let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "session.signed_in",
            "session.signed_out",
            "session.signed_in",
            "session.sign_in_failed"
        ]
    );
    assert!(log
        .items
        .iter()
        .all(|e| e.target.is_some() && e.client_addr.is_some()));
    assert_eq!(log.items[1].actor, "Maya Chen");
    assert_eq!(
        log.items[3].actor, OWNER,
        "a failed sign-in names the email tried"
    );

    let failures: Page<roster_model::AuditEntry> = server
        .get("/api/v1/audit?action=session.sign_in_failed")
        .await;
    assert_eq!(failures.total, 1);
    let by_actor: Page<roster_model::AuditEntry> =
        server.get("/api/v1/audit?actor=maya%20ch").await;
    assert_eq!(by_actor.total, 3);
    let paged: Page<roster_model::AuditEntry> = server.get("/api/v1/audit?limit=3").await;
    let rest: Page<roster_model::AuditEntry> = server
        .get(&format!(
            "/api/v1/audit?limit=3&cursor={}",
            paged.next_cursor.expect("a second page")
        ))
        .await;
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].action, "session.sign_in_failed");
    // Globex's log is its own.
    let mut globex = server.another_client();
    globex.sign_in_as("hank.scorpio@globex.example").await;
    let theirs: Page<roster_model::AuditEntry> = globex.get("/api/v1/audit").await;
    assert_eq!(theirs.total, 1);
    assert_eq!(theirs.items[0].actor, "Hank Scorpio");
}

#[tokio::test]
async fn changing_ones_password_needs_the_current_one_and_ends_other_sessions() {
    let mut other_device = anonymous_demo_server().await;
    let person = dataset::DEMO_ADMIN_EMAIL;
    other_device.sign_in_as(person).await;
    let mut server = other_device.another_client();
    server.sign_in_as(person).await;

    let change = |current: &str, new: &str| serde_json::json!({"current_password": current, "new_password": new});
    let (status, body) = server
        .post_json(
            "/api/v1/session/password",
            change("wrong", "a brand new passphrase"),
        )
        .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["field"]),
        (400, &serde_json::json!("current_password"))
    );
    let (status, body) = server
        .post_json("/api/v1/session/password", change(PASSWORD, "short"))
        .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["field"]),
        (400, &serde_json::json!("new_password"))
    );
    let (status, body) = server
        .post_json("/api/v1/session/password", change(PASSWORD, PASSWORD))
        .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["field"]),
        (400, &serde_json::json!("new_password"))
    );

    let (status, me) = server
        .post_json(
            "/api/v1/session/password",
            change(PASSWORD, "a brand new passphrase"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let _: Page<UserSummary> = server.get("/api/v1/users").await;
    let (status, _) = other_device.get_error("/api/v1/session").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the user's other sessions end"
    );

    let (status, _, _) = server.post_sign_in(person, PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old password no longer works"
    );
    let (status, _, _) = server.post_sign_in(person, "a brand new passphrase").await;
    assert_eq!(status, StatusCode::OK);
    let log: Page<roster_model::AuditEntry> = server
        .get("/api/v1/audit?action=user.password_changed")
        .await;
    assert_eq!(log.total, 1);
    assert_eq!(log.items[0].actor, "Priya Raman");
}

#[tokio::test]
async fn owners_create_bearer_tokens_that_act_as_them_until_revoked() {
    let server = demo_server().await;
    let (status, created) = server
        .post_json("/api/v1/tokens", serde_json::json!({"name": "  "}))
        .await;
    assert_eq!(
        (status.as_u16(), &created["error"]["field"]),
        (400, &serde_json::json!("name"))
    );
    let (status, created) = server
        .post_json(
            "/api/v1/tokens",
            serde_json::json!({"name": "Provisioning script"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    assert!(secret.starts_with("roster_"));
    let id = created["token"]["id"].as_i64().expect("an id");

    let listed: Vec<roster_model::ApiToken> = server.get("/api/v1/tokens").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "Provisioning script");
    assert_eq!(
        listed[0].created_by.as_ref().map(|u| u.name.as_str()),
        Some("Maya Chen")
    );
    let listing = serde_json::to_string(&listed).expect("json");
    assert!(
        !listing.contains(&secret),
        "the secret is shown once, at creation"
    );

    // The token works without any cookie (and so without the anti-forgery header).
    let bearer = server.another_client();
    let with_token = |uri: &str| {
        Request::get(uri)
            .header("authorization", format!("Bearer {secret}"))
            .body(Body::empty())
            .expect("request")
    };
    let response = bearer.send(with_token("/api/v1/users?limit=1")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = bearer.send(with_token("/api/v1/session")).await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "a token is not a browser session"
    );
    let wrong = Request::get("/api/v1/users")
        .header("authorization", "Bearer roster_not-a-token")
        .body(Body::empty())
        .expect("request");
    assert_eq!(bearer.send(wrong).await.status(), StatusCode::UNAUTHORIZED);

    let revoke = |id: i64| {
        Request::delete(format!("/api/v1/tokens/{id}"))
            .header(roster_model::CSRF_HEADER, "1")
            .body(Body::empty())
            .expect("request")
    };
    assert_eq!(
        server.send(revoke(id)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server.send(revoke(id)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bearer.send(with_token("/api/v1/users")).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let log: Page<roster_model::AuditEntry> = server.get("/api/v1/audit?actor=maya").await;
    let token_events: Vec<(&str, Option<&str>)> = log
        .items
        .iter()
        .filter(|e| e.action.starts_with("token."))
        .map(|e| (e.action.as_str(), e.target.as_deref()))
        .collect();
    assert_eq!(
        token_events,
        [
            ("token.revoked", Some("Provisioning script")),
            ("token.created", Some("Provisioning script"))
        ]
    );
}

#[tokio::test]
async fn only_owners_manage_tokens() {
    let mut admin = anonymous_demo_server().await;
    admin.sign_in_as("daniel.okafor@northwind.example").await;
    let (status, body) = admin
        .post_json("/api/v1/tokens", serde_json::json!({"name": "x"}))
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::FORBIDDEN, &serde_json::json!("forbidden"))
    );
    let (status, _) = admin.get_error("/api/v1/tokens").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut member = anonymous_demo_server().await;
    member.sign_in_as(MEMBER).await;
    let (status, _) = member.get_error("/api/v1/tokens").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Every API route × every kind of caller: anonymous, Member, Administrator, Owner, and an Owner of
/// another organization. Statuses must match, and no answer to the outsider names a Northwind person.
#[tokio::test]
async fn authorization_matrix() {
    let owner = demo_server().await;
    let shared = owner.another_client();
    let caller_as = |email: Option<&'static str>| {
        let mut server = shared.another_client();
        async move {
            if let Some(email) = email {
                server.sign_in_as(email).await;
            }
            server
        }
    };
    let callers = [
        ("anonymous", caller_as(None).await),
        ("member", caller_as(Some(MEMBER)).await),
        (
            "administrator",
            caller_as(Some("daniel.okafor@northwind.example")).await,
        ),
        ("owner", owner),
        (
            "other organization",
            caller_as(Some("hank.scorpio@globex.example")).await,
        ),
    ];
    let maya = demo_as_inserted()
        .users
        .iter()
        .find(|u| u.email == OWNER)
        .map(|u| u.id)
        .expect("Maya");
    let northwind_invitation = demo_as_inserted()
        .invitations
        .iter()
        .find(|i| i.org_id == 1)
        .map(|i| i.id)
        .expect("an invitation");
    let (status, token) = callers[3]
        .1
        .post_json("/api/v1/tokens", serde_json::json!({"name": "matrix"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let token_id = token["token"]["id"].as_i64().expect("token id");

    // (method, path, body, expected for: anonymous, member, administrator, owner, other organization)
    let bad_password =
        serde_json::json!({"current_password": "wrong", "new_password": "whatever it is now"});
    let user = format!("/api/v1/users/{maya}");
    let token_path = format!("/api/v1/tokens/{token_id}");
    let [user_reset, user_two_factor, user_access, user_remove, user_delete] =
        ["reset-password", "two-factor", "access", "remove", "delete"]
            .map(|action| format!("/api/v1/users/{maya}/{action}"));
    let matrix: Vec<(&str, &str, Option<serde_json::Value>, [u16; 5])> = vec![
        ("GET", "/api/v1/health", None, [200, 200, 200, 200, 200]),
        ("GET", "/api/v1/session", None, [401, 200, 200, 200, 200]),
        (
            "GET",
            "/api/v1/organization",
            None,
            [401, 200, 200, 200, 200],
        ),
        ("GET", "/api/v1/users", None, [401, 403, 200, 200, 200]),
        (
            "GET",
            "/api/v1/users?view=external",
            None,
            [401, 403, 200, 200, 200],
        ),
        (
            "GET",
            "/api/v1/users?view=invited",
            None,
            [401, 403, 200, 200, 200],
        ),
        (
            "GET",
            "/api/v1/users?view=imported",
            None,
            [401, 403, 200, 200, 200],
        ),
        (
            "GET",
            "/api/v1/users/counts",
            None,
            [401, 403, 200, 200, 200],
        ),
        ("GET", &user, None, [401, 403, 200, 200, 404]),
        ("GET", "/api/v1/accounts", None, [401, 403, 200, 200, 200]),
        ("GET", "/api/v1/domains", None, [401, 403, 200, 200, 200]),
        ("GET", "/api/v1/audit", None, [401, 403, 200, 200, 200]),
        ("GET", "/api/v1/tokens", None, [401, 403, 403, 200, 200]),
        (
            "POST",
            "/api/v1/tokens",
            Some(serde_json::json!({"name": "x"})),
            [401, 403, 403, 201, 201],
        ),
        (
            "POST",
            "/api/v1/session/password",
            Some(bad_password),
            [401, 400, 400, 400, 400],
        ),
        (
            "POST",
            "/api/v1/session/two-factor/setup",
            None,
            [401, 200, 409, 200, 200],
        ),
        (
            "POST",
            "/api/v1/session/two-factor",
            Some(serde_json::json!({"code": "000000"})),
            [401, 400, 409, 400, 400],
        ),
        (
            "POST",
            "/api/v1/invitations/check",
            Some(serde_json::json!({"emails": ["probe@nowhere.example"]})),
            [401, 403, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/invitations",
            Some(serde_json::json!({"emails": ["probe@nowhere.example"]})),
            [401, 403, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/invitations/resend",
            Some(serde_json::json!({"ids": [northwind_invitation]})),
            [401, 403, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/invitations/revoke",
            Some(serde_json::json!({"ids": [999_999]})),
            [401, 403, 200, 200, 200],
        ),
        (
            "GET",
            "/api/v1/invitations/token/not-a-token",
            None,
            [404, 404, 404, 404, 404],
        ),
        (
            "POST",
            "/api/v1/invitations/accept",
            Some(serde_json::json!({"token": "not-a-token", "password": "x"})),
            [404, 404, 404, 404, 404],
        ),
        // Changes to Maya (an Owner, and the signed-in Owner herself) carry her current ETag, so
        // each answer shows the check that decided it: an Administrator may not change an Owner,
        // nobody resets, removes or deletes themselves, and another organization finds nobody.
        (
            "PATCH",
            &user,
            Some(serde_json::json!({"given_name": "Maya"})),
            [401, 403, 409, 200, 404],
        ),
        ("POST", &user_reset, None, [401, 403, 409, 409, 404]),
        (
            "PUT",
            &user_two_factor,
            Some(serde_json::json!({"required": true})),
            [401, 403, 409, 409, 404],
        ),
        (
            "PUT",
            &user_access,
            Some(serde_json::json!({"accounts": []})),
            [401, 403, 409, 400, 404],
        ),
        (
            "POST",
            &user_remove,
            Some(serde_json::json!({"acknowledged": acknowledged(&REMOVE_CONSEQUENCES)})),
            [401, 403, 409, 409, 404],
        ),
        (
            "POST",
            &user_delete,
            Some(serde_json::json!({"acknowledged": acknowledged(&DELETE_CONSEQUENCES)})),
            [401, 403, 409, 409, 404],
        ),
        (
            "GET",
            "/api/v1/users/ids?q=a",
            None,
            [401, 403, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/users/bulk",
            Some(serde_json::json!({"action": "require_two_factor", "ids": [999_999]})),
            [401, 403, 200, 200, 200],
        ),
        (
            "POST",
            "/api/v1/domains",
            Some(serde_json::json!({"name": "gmail.com"})),
            [401, 403, 400, 400, 400],
        ),
        (
            "POST",
            "/api/v1/domains/999999/verify",
            None,
            [401, 403, 404, 404, 404],
        ),
        (
            "DELETE",
            "/api/v1/domains/999999",
            None,
            [401, 403, 404, 404, 404],
        ),
        ("GET", "/api/v1/accounts/1", None, [401, 403, 200, 200, 404]),
        (
            "GET",
            "/api/v1/accounts/1/users",
            None,
            [401, 403, 200, 200, 404],
        ),
        (
            "GET",
            "/api/v1/accounts/1/invitations",
            None,
            [401, 403, 200, 200, 404],
        ),
        (
            "POST",
            "/api/v1/accounts/1/invitations",
            Some(serde_json::json!({"emails": [], "roles": ["support"]})),
            [401, 403, 400, 400, 404],
        ),
        (
            "PUT",
            "/api/v1/accounts/1/users/999999",
            Some(serde_json::json!({"roles": ["support"]})),
            [401, 403, 404, 404, 404],
        ),
        (
            "DELETE",
            "/api/v1/accounts/1/users/999999",
            None,
            [401, 403, 404, 404, 404],
        ),
        (
            "DELETE",
            "/api/v1/users/999999/access",
            None,
            [401, 403, 404, 404, 404],
        ),
        (
            "GET",
            "/api/v1/import/candidates",
            None,
            [401, 403, 200, 200, 403],
        ),
        (
            "POST",
            "/api/v1/import",
            Some(serde_json::json!({"ids": [999_999]})),
            [401, 403, 200, 200, 403],
        ),
        ("DELETE", &token_path, None, [401, 403, 403, 204, 404]),
    ];
    // Run in the order: everyone but the owner, then the owner (whose DELETE revokes the token).
    for (method, path, body, expected) in &matrix {
        for index in [0, 1, 2, 4, 3] {
            let (who, server) = &callers[index];
            let changes_maya = *method != "GET" && path.starts_with(user.as_str());
            let version = if changes_maya {
                let (_, headers, _) = callers[3].1.send_json("GET", &user, &[], None).await;
                headers
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            } else {
                None
            };
            let headers: Vec<(&str, &str)> = version
                .as_deref()
                .map(|tag| vec![("if-match", tag)])
                .unwrap_or_default();
            let (status, _, answer) = server.send_json(method, path, &headers, body.clone()).await;
            let status = status.as_u16();
            let text = answer.to_string();
            assert_eq!(status, expected[index], "{method} {path} as {who}: {text}");
            if index == 4 {
                assert!(
                    !text.contains("@northwind.example")
                        && !text.contains("@northwindlabs.example"),
                    "{method} {path} showed Northwind people to another organization: {text}"
                );
            }
        }
    }
}
