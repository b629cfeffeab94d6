//! CSV export: exactly the view asked for (tab, search, filters, sort), every matching row, as a
//! dated download; cells that a spreadsheet would run are escaped; nothing of another organization.

use crate::common::*;
use axum::http::StatusCode;

/// The rows of a CSV download (header first), after checking it is one.
async fn download(server: &TestServer, uri: &str) -> Vec<Vec<String>> {
    let response = server
        .send(
            axum::http::Request::get(uri)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().unwrap_or_default();
    assert!(
        disposition.starts_with("attachment; filename=\"roster-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("body")
        .to_bytes();
    csv::Reader::from_reader(&body[..])
        .into_records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn the_export_is_the_view_every_row_of_it_in_its_order() {
    let owner = demo_server().await;
    for view in ["managed", "external", "invited", "imported"] {
        let rows = download(&owner, &format!("/api/v1/users/export?view={view}")).await;
        let page = owner.users(&format!("view={view}&limit=200")).await;
        assert_eq!(rows.len() as u64, page.total, "{view}: one row per user");
        let email_column = if view == "invited" { 0 } else { 1 };
        let emails: Vec<&str> = rows.iter().map(|r| r[email_column].as_str()).collect();
        let listed: Vec<&str> = page.items.iter().map(|u| u.email.as_str()).collect();
        assert_eq!(emails, listed, "{view}: the list's order");
        assert!(rows.iter().all(|r| !r.iter().any(|c| c.contains("globex"))));
    }
    let rows = download(
        &owner,
        "/api/v1/users/export?view=managed&q=northwindlabs&sort=email&dir=desc&role=member",
    )
    .await;
    let page = owner
        .users("view=managed&q=northwindlabs&sort=email&dir=desc&role=member&limit=200")
        .await;
    assert!(page.total > 0);
    let emails: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    let listed: Vec<&str> = page.items.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(emails, listed);
    assert!(rows.iter().all(|r| r[4] == "Member"));
    // Searched for a pair of letters one member holds ("qv", which PostgreSQL looks up through
    // its index of pairs) and one many hold ("an", tested on each member): the list's matches.
    for (view, term) in [("managed", "qv"), ("managed", "an"), ("imported", "an")] {
        let query = format!("view={view}&q={term}&sort=email");
        let rows = download(&owner, &format!("/api/v1/users/export?{query}")).await;
        let page = owner.users(&format!("{query}&limit=200")).await;
        assert!(page.total > 0, "{query}");
        let emails: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
        let listed: Vec<&str> = page.items.iter().map(|u| u.email.as_str()).collect();
        assert_eq!(emails, listed, "{query}");
    }
}

#[tokio::test]
async fn cells_a_spreadsheet_would_run_are_escaped() {
    let owner = demo_server().await;
    let (status, body) = owner
        .patch_as_read(
            id_of(MEMBER),
            serde_json::json!({"given_name": "=HYPERLINK(\"http://x\")", "family_name": "@SUM(1)"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = download(&owner, "/api/v1/users/export?view=managed&q=sam.taylor").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][2], "'=HYPERLINK(\"http://x\")");
    assert_eq!(rows[0][3], "'@SUM(1)");
    assert!(rows[0][0].starts_with("'="));
}

#[tokio::test]
async fn the_audit_log_exports_under_its_filters() {
    let owner = demo_server().await;
    owner
        .act("POST", id_of(MEMBER), "suspend", serde_json::json!(null))
        .await;
    let rows = download(&owner, "/api/v1/audit/export?action=user.suspended").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][4], "user.suspended");
    assert!(rows[0][5].contains("Sam"));
    // Who, by email as well as by name: names are not unique.
    assert_eq!(rows[0][2], OWNER);
    assert_eq!(rows[0][6], MEMBER);
    let all = download(&owner, "/api/v1/audit/export").await;
    let page: roster_model::Page<roster_model::AuditEntry> = owner.get("/api/v1/audit").await;
    assert_eq!(all.len() as u64, page.total);
    let (status, _) = owner.get_error("/api/v1/audit/export?cursor=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn members_and_strangers_cannot_export() {
    let owner = demo_server().await;
    let mut member = owner.another_client();
    member.sign_in_as(MEMBER).await;
    for uri in ["/api/v1/users/export", "/api/v1/audit/export"] {
        let (status, _) = member.get_error(uri).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
        let (status, _) = anonymous_demo_server().await.get_error(uri).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
    }
}

#[tokio::test]
async fn thousands_of_rows_export_page_by_page_in_order_and_abandoned_downloads_hold_nothing() {
    let mut server = server_with(
        |ids| {
            roster_server::dataset::organization_of_size(ids, 3000, 0, NOW, Some(password_hash()))
        },
        None,
    )
    .await;
    server.sign_in_as("owner@org1.example").await;
    // More rows than one read of the export takes (1,000), in the list's own order.
    let rows = download(
        &server,
        "/api/v1/users/export?view=managed&sort=email&dir=desc",
    )
    .await;
    let listed: Vec<String> = server
        .walk_forward("view=managed&sort=email&dir=desc&limit=200")
        .await
        .into_iter()
        .flat_map(|page| page.items.into_iter().map(|u| u.email))
        .collect();
    assert_eq!(rows.len(), 2700);
    let exported: Vec<String> = rows.iter().map(|r| r[1].clone()).collect();
    assert_eq!(exported, listed);
    assert!(rows
        .iter()
        .any(|r| r[10].contains("(owner)") || r[10].contains("; owner)")));

    // Downloads dropped after their first chunk, more of them than the database has connections:
    // the server answers as before.
    for _ in 0..12 {
        let response = server
            .send(
                axum::http::Request::get("/api/v1/users/export?view=managed")
                    .body(axum::body::Body::empty())
                    .expect("request"),
            )
            .await;
        let mut body = response.into_body();
        let first = http_body_util::BodyExt::frame(&mut body).await;
        assert!(first.is_some());
    }
    let counts = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        server.get::<roster_model::ViewCounts>("/api/v1/users/counts"),
    )
    .await
    .expect("the server still answers");
    assert_eq!(counts.managed, 2700);
}
