//! SCIM 2.0 provisioning at /scim/v2: identity providers manage Northwind's members with a
//! provisioning token, under the console's rules, versions and audit log.

use crate::common::*;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use roster_server::dataset;
use roster_server::ops::scim::create_token_on_command_line;
use serde_json::{json, Value};

const NORTHWIND: i64 = 1;
const GLOBEX: i64 = 2;
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async fn token(server: &TestServer, org_id: i64) -> String {
    create_token_on_command_line(&server.state.store, org_id, "Okta", server.now())
        .await
        .expect("a provisioning token")
}

/// A provisioning token `client`'s signed-in Owner makes in the console.
async fn console_token(client: &TestServer, name: &str) -> String {
    let (status, created) = client
        .post_json(
            "/api/v1/scim-tokens",
            json!({"name": name, "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["secret"].as_str().expect("a secret").to_owned()
}

/// Sends a SCIM request with `token` (no cookie, no anti-forgery header, as an identity provider).
async fn scim(
    server: &TestServer,
    token: &str,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("/scim/v2{uri}"))
        .header("authorization", format!("Bearer {token}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/scim+json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = server
        .another_client()
        .send(request.body(body).expect("request"))
        .await;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    (status, headers, json)
}

fn new_user(email: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": email,
        "externalId": format!("okta-{email}"),
        "name": { "givenName": "Jo", "familyName": "Provisioned" },
        "emails": [{ "value": email, "type": "work", "primary": true }],
        "active": true
    })
}

fn patch(operations: Value) -> Value {
    json!({ "schemas": [PATCH], "Operations": operations })
}

/// PATCHes the resource at `path` (`/Groups/12-developer`) with `operations`, as an identity
/// provider; answers the status and the body.
async fn patch_resource(
    server: &TestServer,
    token: &str,
    path: &str,
    operations: Value,
) -> (StatusCode, Value) {
    let (status, _, body) = scim(server, token, "PATCH", path, &[], Some(patch(operations))).await;
    (status, body)
}

/// PATCHes user `id` with `operations`.
async fn patch_user(
    server: &TestServer,
    token: &str,
    id: impl std::fmt::Display,
    operations: Value,
) -> (StatusCode, Value) {
    patch_resource(server, token, &format!("/Users/{id}"), operations).await
}

fn is_scim_error(body: &Value, status: StatusCode) -> bool {
    body["schemas"] == json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        && body["status"].as_str() == Some(status.as_u16().to_string().as_str())
        && body["detail"].as_str().is_some_and(|d| !d.is_empty())
}

#[tokio::test]
async fn only_provisioning_tokens_reach_scim_and_they_reach_nothing_else() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    assert!(secret.starts_with("roster_scim_"));

    let (status, headers, config) =
        scim(&server, &secret, "GET", "/ServiceProviderConfig", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/scim+json");
    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["bulk"]["supported"], false);
    assert_eq!(config["filter"]["maxResults"], 200);
    let (_, _, types) = scim(&server, &secret, "GET", "/ResourceTypes", &[], None).await;
    assert_eq!(types["Resources"][0]["endpoint"], "/Users");
    assert_eq!(types["Resources"][1]["endpoint"], "/Groups");
    let (_, _, schemas) = scim(&server, &secret, "GET", "/Schemas", &[], None).await;
    assert_eq!(
        schemas["totalResults"], 3,
        "User, Group and Roster's User extension"
    );
    let (status, _, schema) = scim(
        &server,
        &secret,
        "GET",
        &format!("/Schemas/{USER}"),
        &[],
        None,
    )
    .await;
    assert_eq!((status, &schema["id"]), (StatusCode::OK, &json!(USER)));

    for bad in ["", "roster_scim_not-a-token", "roster_nope"] {
        let (status, headers, body) = scim(&server, bad, "GET", "/Users", &[], None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad:?}");
        assert!(headers.contains_key("www-authenticate"));
        assert!(is_scim_error(&body, status), "{body}");
    }
    // A console API token is no provisioning token, and the other way round.
    let api_token = server.new_token(json!({"name": "script"})).await;
    let (status, _, _) = scim(&server, &api_token, "GET", "/Users", &[], None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        server.status_with_token(&secret).await,
        StatusCode::UNAUTHORIZED
    );

    // Unknown endpoints and methods answer in SCIM's shape.
    let (status, _, body) = scim(&server, &secret, "GET", "/Groupz", &[], None).await;
    assert!(
        status == StatusCode::NOT_FOUND && is_scim_error(&body, status),
        "{body}"
    );
    let (status, _, body) = scim(
        &server,
        &secret,
        "POST",
        "/ServiceProviderConfig",
        &[],
        Some(json!({})),
    )
    .await;
    assert!(
        status == StatusCode::METHOD_NOT_ALLOWED && is_scim_error(&body, status),
        "{body}"
    );

    // Revoked on the console, refused at once.
    let listed: Value = server.get("/api/v1/scim-tokens").await;
    assert!(listed["base_url"]
        .as_str()
        .is_some_and(|u| u.ends_with("/scim/v2")));
    let id = listed["tokens"][0]["id"].as_i64().expect("a token");
    assert!(listed["tokens"][0]["last_used_at"].is_i64(), "{listed}");
    let (status, _, _) = server
        .send_json("DELETE", &format!("/api/v1/scim-tokens/{id}"), &[], None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = scim(&server, &secret, "GET", "/Users", &[], None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn owners_make_provisioning_tokens_in_the_console_and_nobody_else_does() {
    let server = demo_server().await;
    let (status, created) = server
        .post_json(
            "/api/v1/scim-tokens",
            json!({"name": "Entra ID", "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    assert!(created["base_url"]
        .as_str()
        .is_some_and(|u| u.ends_with("/scim/v2")));
    let listed: Value = server.get("/api/v1/scim-tokens").await;
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is shown once"
    );
    assert_eq!(listed["tokens"][0]["created_by"]["name"], "Maya Chen");
    let (status, _, _) = scim(&server, &secret, "GET", "/Users?count=1", &[], None).await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = server
        .post_json(
            "/api/v1/scim-tokens",
            json!({"name": " ", "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["field"]),
        (422, &json!("name"))
    );
    let mut admin = server.another_client();
    admin.sign_in_as("daniel.okafor@northwind.example").await;
    let (status, _) = admin
        .post_json(
            "/api/v1/scim-tokens",
            json!({"name": "x", "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "Owners only");
    let (status, _, _) = admin.get_raw("/api/v1/scim-tokens").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Another organization's Owner neither sees nor revokes Northwind's tokens.
    let mut globex = server.another_client();
    globex.sign_in_as("hank.scorpio@globex.example").await;
    let theirs: Value = globex.get("/api/v1/scim-tokens").await;
    assert_eq!(theirs["tokens"], json!([]));
    let id = created["token"]["id"].as_i64().expect("id");
    let (status, _, _) = globex
        .send_json("DELETE", &format!("/api/v1/scim-tokens/{id}"), &[], None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = scim(&server, &secret, "GET", "/Users?count=1", &[], None).await;
    assert_eq!(status, StatusCode::OK, "still live");
}

/// A provisioning token acts with an Owner's authority: one made by an Owner who is then suspended
/// or demoted ends with it (an attacker's pass: a suspended Owner restored herself with her
/// token and suspended the other Owner; a demoted one went on renaming Owners and granting
/// herself roles). One made on the command line belongs to the organization and stays.
#[tokio::test]
async fn a_provisioning_token_ends_when_its_creator_is_suspended_or_no_longer_an_owner() {
    let maya = demo_server().await;
    let organizations = token(&maya, NORTHWIND).await;
    let priya_email = dataset::DEMO_ADMIN_EMAIL;
    maya.promote(priya_email).await;
    let mut priya = maya.another_client();
    priya.sign_in_as(priya_email).await;
    let before_suspension = console_token(&priya, "Priya's IdP").await;
    let users = "/Users?count=1";
    let (status, _, _) = scim(&maya, &before_suspension, "GET", users, &[], None).await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = maya
        .act("POST", id_of(priya_email), "suspend", json!(null))
        .await;
    assert!(status.is_success(), "{body}");
    let restore_herself = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "active", "value": true}
    ]});
    let (status, _, body) = scim(
        &maya,
        &before_suspension,
        "PATCH",
        &format!("/Users/{}", id_of(priya_email)),
        &[],
        Some(restore_herself),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    // Restored, she makes another; demoted, it ends too, and a promotion revives neither.
    let (status, body) = maya
        .act("POST", id_of(priya_email), "restore", json!(null))
        .await;
    assert!(status.is_success(), "{body}");
    priya.sign_in_as(priya_email).await;
    let before_demotion = console_token(&priya, "Priya's other IdP").await;
    let (status, _, body) = maya
        .send_json(
            "PATCH",
            &format!("/api/v1/users/{}", id_of(priya_email)),
            &[("if-match", &maya.detail(id_of(priya_email)).await.1)],
            Some(json!({"org_role": "member"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    maya.promote(priya_email).await;
    for secret in [&before_suspension, &before_demotion] {
        let (status, _, _) = scim(&maya, secret, "GET", users, &[], None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _, _) = scim(&maya, &organizations, "GET", users, &[], None).await;
    assert_eq!(status, StatusCode::OK, "the organization's own token stays");
}

/// Upgrading revokes the provisioning tokens made before whose creator already is no active Owner
/// (migrations 0025 on SQLite, 0015 on PostgreSQL); an active Owner's, and one made on the
/// command line, stay.
#[tokio::test]
async fn upgrading_revokes_the_tokens_of_creators_no_longer_owners() {
    let server = demo_server().await;
    let mut db = database(&server).await;
    let make = |name: &'static str, creator: Option<i64>| {
        sqlx::query(
            "INSERT INTO scim_tokens (org_id, name, token_hash, created_by, created_at) \
             VALUES (1, $1, $2, $3, 0)",
        )
        .bind(name)
        .bind(format!("hash of {name}"))
        .bind(creator)
    };
    for (name, creator) in [
        ("of an Owner", Some(id_of(OWNER))),
        ("of a Member", Some(id_of(MEMBER))),
        ("of the organization", None),
    ] {
        make(name, creator).execute(&mut db).await.expect("a token");
    }
    let migration = match server.database_url.starts_with("postgres") {
        true => include_str!("../../migrations/postgres/0015_provisioning_tokens_of_owners.sql"),
        false => include_str!("../../migrations/sqlite/0025_provisioning_tokens_of_owners.sql"),
    };
    sqlx::raw_sql(migration)
        .execute(&mut db)
        .await
        .expect("the migration's statement");
    let live: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM scim_tokens WHERE revoked_at IS NULL AND name LIKE 'of %' ORDER BY name",
    )
    .fetch_all(&mut db)
    .await
    .expect("tokens");
    assert_eq!(live, ["of an Owner", "of the organization"]);
}

#[tokio::test]
async fn users_list_with_filters_pages_and_sorting_and_never_another_organization() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let managed: roster_model::ViewCounts = server.get("/api/v1/users/counts").await;
    let (status, _, all) = scim(&server, &secret, "GET", "/Users", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["totalResults"], managed.managed);
    assert!(all["Resources"]
        .as_array()
        .is_some_and(|r| r.len() as u64 == managed.managed));
    assert!(
        !all.to_string().contains("globex"),
        "no other organization's people"
    );

    let find = |filter: &str| {
        let server = &server;
        let secret = &secret;
        let uri = format!("/Users?filter={}", urlencode(filter));
        async move { scim(server, secret, "GET", &uri, &[], None).await }
    };
    let (_, _, maya) = find(r#"userName eq "Maya.Chen@Northwind.example""#).await;
    assert_eq!(maya["totalResults"], 1, "{maya}");
    let maya = &maya["Resources"][0];
    assert_eq!(maya["name"]["familyName"], "Chen");
    assert_eq!(maya["active"], true);
    assert_eq!(
        maya["urn:roster:params:scim:schemas:extension:roster:2.0:User"]["organizationRole"],
        "Owner"
    );
    let (_, _, chens) = find(r#"name.familyName co "CHE" and active eq true"#).await;
    assert!(chens["totalResults"].as_u64() >= Some(1));
    // A prefix reads a range of an index: the same people as testing every member's value.
    let members = all["Resources"].as_array().cloned().unwrap_or_default();
    let ids = |users: &[Value]| {
        let mut ids: Vec<String> = users.iter().map(|u| u["id"].to_string()).collect();
        ids.sort();
        ids
    };
    let mut narrowed = false;
    for (attr, pointer, prefix) in [
        ("name.familyName", "/name/familyName", "ch"),
        ("name.familyName", "/name/familyName", "C"),
        ("name.familyName", "/name/familyName", "chen"),
        ("name.familyName", "/name/familyName", ""),
        ("name.familyName", "/name/familyName", "c\u{10FFFF}"),
        ("userName", "/userName", "MAYA."),
        ("userName", "/userName", "m"),
        ("userName", "/userName", "zz"),
    ] {
        let (status, _, found) = find(&format!(r#"{attr} sw "{prefix}""#)).await;
        assert_eq!(status, StatusCode::OK, "{attr} sw {prefix:?}: {found}");
        let prefix = prefix.to_lowercase();
        let expected: Vec<Value> = members
            .iter()
            .filter(|u| {
                u.pointer(pointer)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.to_lowercase().starts_with(&prefix))
            })
            .cloned()
            .collect();
        let found = found["Resources"].as_array().cloned().unwrap_or_default();
        assert_eq!(ids(&found), ids(&expected), "{attr} sw {prefix:?}");
        narrowed |= !expected.is_empty() && expected.len() < members.len();
    }
    assert!(narrowed, "some prefix picks some members out of all");
    let (_, _, work) =
        find(r#"emails[type eq "work" and value ew "@northwindlabs.example"]"#).await;
    let labs = work["Resources"].as_array().expect("resources");
    assert!(
        !labs.is_empty()
            && labs.iter().all(|u| u["userName"]
                .as_str()
                .is_some_and(|n| n.ends_with("@northwindlabs.example")))
    );
    let (_, _, normalized) = find(r#"userName eq " MAYA.CHEN@NORTHWIND.EXAMPLE. ""#).await;
    assert_eq!(
        normalized["totalResults"], 1,
        "compared as a normalized address"
    );
    let (_, _, without) = find(r#"not (externalId eq "okta-1")"#).await;
    assert_eq!(
        without["totalResults"], managed.managed,
        "users with no externalId are not it"
    );
    let (_, _, none) = find(r#"userName eq "hank.scorpio@globex.example""#).await;
    assert_eq!(
        none["totalResults"], 0,
        "another organization's user is not found"
    );
    let (_, _, not_chen) = find(r#"not (userName eq "maya.chen@northwind.example")"#).await;
    assert_eq!(not_chen["totalResults"], managed.managed - 1);
    let (status, _, bad) = find(r#"userName eq"#).await;
    assert_eq!(
        (status, &bad["scimType"]),
        (StatusCode::BAD_REQUEST, &json!("invalidFilter"))
    );
    for bad in [r#"id gt "5""#, r#"emails[type co "wor"]"#] {
        let (status, _, body) = find(bad).await;
        assert_eq!(
            (status, &body["scimType"]),
            (StatusCode::BAD_REQUEST, &json!("invalidFilter")),
            "{bad}"
        );
    }
    let (status, _, bad) = find(r#"phoneNumbers pr"#).await;
    assert_eq!(
        (status, &bad["scimType"]),
        (StatusCode::BAD_REQUEST, &json!("invalidFilter"))
    );

    // Pages: startIndex is 1-based, count is capped, and the order is stable.
    let (_, _, page) = scim(
        &server,
        &secret,
        "GET",
        "/Users?startIndex=3&count=2&sortBy=userName&sortOrder=descending",
        &[],
        None,
    )
    .await;
    assert_eq!(
        (page["startIndex"].as_u64(), page["itemsPerPage"].as_u64()),
        (Some(3), Some(2))
    );
    let names: Vec<&str> = all["Resources"]
        .as_array()
        .expect("all")
        .iter()
        .filter_map(|u| u["userName"].as_str())
        .collect();
    let mut descending = names.clone();
    descending.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(page["Resources"][0]["userName"], descending[2]);
    let (_, _, counted) = scim(&server, &secret, "GET", "/Users?count=0", &[], None).await;
    assert_eq!(
        (
            counted["totalResults"].as_u64(),
            counted["Resources"].as_array().map(Vec::len)
        ),
        (Some(managed.managed), Some(0))
    );
    let (_, _, capped) = scim(&server, &secret, "GET", "/Users?count=100000", &[], None).await;
    assert!(capped["itemsPerPage"].as_u64() <= Some(200));
    let (_, _, picked) = scim(
        &server,
        &secret,
        "GET",
        "/Users?count=1&attributes=userName",
        &[],
        None,
    )
    .await;
    let keys: Vec<&String> = picked["Resources"][0]
        .as_object()
        .expect("user")
        .keys()
        .collect();
    assert_eq!(keys.len(), 3, "id, schemas and userName: {keys:?}");
    let (status, _, searched) = scim(
        &server,
        &secret,
        "POST",
        "/Users/.search",
        &[],
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "userName sw \"maya\"", "attributes": ["userName"], "count": 5
        })),
    )
    .await;
    assert_eq!(
        (status, &searched["totalResults"]),
        (StatusCode::OK, &json!(1))
    );

    // Another organization's user, by id, is not there; their own token finds them.
    let hank = id_of("hank.scorpio@globex.example");
    let (status, _, body) = scim(
        &server,
        &secret,
        "GET",
        &format!("/Users/{hank}"),
        &[],
        None,
    )
    .await;
    assert!(status == StatusCode::NOT_FOUND && is_scim_error(&body, status));
    let globex = token(&server, GLOBEX).await;
    let (status, _, theirs) = scim(
        &server,
        &globex,
        "GET",
        &format!("/Users/{hank}"),
        &[],
        None,
    )
    .await;
    assert_eq!(
        (status, &theirs["userName"]),
        (StatusCode::OK, &json!("hank.scorpio@globex.example"))
    );
    let (_, _, theirs) = scim(&server, &globex, "GET", "/Users", &[], None).await;
    assert!(!theirs.to_string().contains("northwind"));
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_new_person_on_a_verified_domain_becomes_a_member_and_is_welcomed() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let (status, headers, created) = scim(
        &server,
        &secret,
        "POST",
        "/Users",
        &[],
        Some(new_user("jo.new@northwind.example")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(
        headers["location"],
        created["meta"]["location"].as_str().expect("location")
    );
    assert_eq!(
        headers["etag"],
        created["meta"]["version"].as_str().expect("version")
    );
    assert_eq!(created["externalId"], "okta-jo.new@northwind.example");
    assert_eq!(
        created["name"],
        json!({ "givenName": "Jo", "familyName": "Provisioned" })
    );

    // The console sees them at once, as a managed member, and the log says the token did it.
    let page = server.users("q=jo.new").await;
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id.to_string(), id);
    let audit: Value = server.get("/api/v1/audit?action=user.provisioned").await;
    assert_eq!(audit["items"][0]["actor"], "SCIM · Okta", "{audit}");
    // They are mailed a link to choose a password, which works.
    let links = delivered_links_to(&server, "jo.new@northwind.example", "/password/").await;
    assert_eq!(links.len(), 1);

    // Not on a verified domain: refused, saying how to give such a person access instead.
    let (status, _, body) = scim(
        &server,
        &secret,
        "POST",
        "/Users",
        &[],
        Some(new_user("someone@nwl-marketing.example")),
    )
    .await;
    assert_eq!(
        (status, &body["scimType"]),
        (StatusCode::BAD_REQUEST, &json!("invalidValue"))
    );
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("verified domain") && d.contains("external user")),
        "{body}"
    );
    // A member already: uniqueness. A user elsewhere, or an invitee: invite them instead.
    let (status, _, body) = scim(
        &server,
        &secret,
        "POST",
        "/Users",
        &[],
        Some(new_user(OWNER)),
    )
    .await;
    assert_eq!(
        (status, &body["scimType"]),
        (StatusCode::CONFLICT, &json!("uniqueness"))
    );
    let outsider = demo_as_inserted()
        .users
        .into_iter()
        // Someone using the address already: a password of their own (someone only invited is
        // provisioned, see below).
        .find(|u| {
            u.membership.is_none()
                && u.password_hash.is_some()
                && u.email.ends_with("@northwind.example")
        })
        .expect("a user on the domain outside the organization");
    let (status, _, body) = scim(
        &server,
        &secret,
        "POST",
        "/Users",
        &[],
        Some(new_user(&outsider.email)),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Invite")),
        "{body}"
    );
    let (status, _, _) = scim(
        &server,
        &secret,
        "POST",
        "/Users",
        &[],
        Some(json!({"schemas": [USER], "userName": "not an email"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = scim(
        &server,
        &secret,
        "POST",
        "/Users",
        &[],
        Some(json!({"userName": "x@northwind.example"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "schemas is required");
    assert_counts_kept(&server).await;
}

/// The statuses of twenty identity-provider creates of `email` sent at once.
async fn provisioned_at_once(
    server: &TestServer,
    secret: &str,
    email: &'static str,
) -> Vec<StatusCode> {
    in_parallel(20, |_| {
        let server = server.another_client();
        let secret = secret.to_owned();
        async move {
            scim(
                &server,
                &secret,
                "POST",
                "/Users",
                &[],
                Some(new_user(email)),
            )
            .await
            .0
        }
    })
    .await
}

#[tokio::test]
async fn the_same_person_provisioned_twenty_times_at_once_is_created_once() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let statuses = provisioned_at_once(&server, &secret, "twin@northwind.example").await;
    assert_eq!(count(&statuses, StatusCode::CREATED), 1, "{statuses:?}");
    assert_eq!(count(&statuses, StatusCode::CONFLICT), 19, "{statuses:?}");
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn deactivation_ends_sign_in_at_once_and_keeps_the_last_owner() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let mut sam = server.another_client();
    sam.sign_in_as(MEMBER).await;
    let id = id_of(MEMBER);
    // The shape Entra ID sends.
    let (status, user) = patch_user(
        &server,
        &secret,
        id,
        json!([
            { "op": "Replace", "path": "active", "value": "False" }
        ]),
    )
    .await;
    assert_eq!(
        (status, &user["active"]),
        (StatusCode::OK, &json!(false)),
        "{user}"
    );
    let (status, _, _) = sam.get_raw("/api/v1/users?limit=1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "their session ended");
    let (detail, _) = server.detail(id).await;
    assert_eq!(detail.status, roster_model::UserStatus::Disabled);
    // Okta's shape restores them.
    let (status, user) = patch_user(
        &server,
        &secret,
        id,
        json!([
            { "op": "replace", "value": { "active": true } }
        ]),
    )
    .await;
    assert_eq!((status, &user["active"]), (StatusCode::OK, &json!(true)));
    let audit: Value = server.get("/api/v1/audit?actor=SCIM%20%C2%B7%20Okta").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["user.restored", "user.suspended"]);

    // The only Owner who can sign in stays active.
    let maya = id_of(OWNER);
    let (status, body) = patch_user(
        &server,
        &secret,
        maya,
        json!([
            { "op": "replace", "path": "active", "value": false }
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("last Owner")));
}

#[tokio::test]
async fn changes_from_the_console_and_from_scim_do_not_overwrite_each_other() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let id = id_of(MEMBER);
    let (_, headers, before) =
        scim(&server, &secret, "GET", &format!("/Users/{id}"), &[], None).await;
    let tag = headers["etag"].to_str().expect("etag").to_owned();
    assert_eq!(before["meta"]["version"], tag.as_str());
    let (status, _, _) = scim(
        &server,
        &secret,
        "GET",
        &format!("/Users/{id}"),
        &[("if-none-match", &tag)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    // The console renames them with the same version…
    let (status, _, _) = server
        .send_json(
            "PATCH",
            &format!("/api/v1/users/{id}"),
            &[("if-match", &tag)],
            Some(json!({"given_name": "Samuel"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // …so SCIM's change based on it is refused, and nothing of it is saved.
    let mut replaced = before.clone();
    replaced["name"]["familyName"] = "Stale".into();
    let (status, _, body) = scim(
        &server,
        &secret,
        "PUT",
        &format!("/Users/{id}"),
        &[("if-match", &tag)],
        Some(replaced),
    )
    .await;
    assert!(
        status == StatusCode::PRECONDITION_FAILED && is_scim_error(&body, status),
        "{body}"
    );
    let (detail, console_tag) = server.detail(id).await;
    assert_eq!(
        (detail.given_name.as_str(), detail.family_name.as_str()),
        ("Samuel", "Taylor")
    );

    // Twenty identity-provider changes on one version: one wins, the rest are told it moved on.
    let statuses = in_parallel(20, |i| {
        let server = server.another_client();
        let secret = secret.clone();
        let tag = console_tag.clone();
        async move {
            scim(
                &server,
                &secret,
                "PATCH",
                &format!("/Users/{id}"),
                &[("if-match", &tag)],
                Some(patch(json!([
                    { "op": "replace", "path": "name.familyName", "value": format!("Taylor {i}") }
                ]))),
            )
            .await
            .0
        }
    })
    .await;
    assert_eq!(count(&statuses, StatusCode::OK), 1, "{statuses:?}");
    assert_eq!(
        count(&statuses, StatusCode::PRECONDITION_FAILED),
        19,
        "{statuses:?}"
    );
    // SCIM's version is the console's: the console's old tag no longer works.
    let (status, _, _) = server
        .send_json(
            "PATCH",
            &format!("/api/v1/users/{id}"),
            &[("if-match", &console_tag)],
            Some(json!({"given_name": "Sam"})),
        )
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn put_and_patch_change_names_external_id_and_address_under_the_domain_rule() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let id = id_of(MEMBER);
    let (_, _, user) = scim(&server, &secret, "GET", &format!("/Users/{id}"), &[], None).await;
    let mut replaced = user.clone();
    replaced["name"] = json!({ "givenName": "Sam", "familyName": "Taylor-Reed" });
    replaced["externalId"] = "entra-42".into();
    replaced["displayName"] = "Sammy T.".into();
    let (status, _, after) = scim(
        &server,
        &secret,
        "PUT",
        &format!("/Users/{id}"),
        &[],
        Some(replaced),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(
        (after["displayName"].as_str(), after["externalId"].as_str()),
        (Some("Sammy T."), Some("entra-42"))
    );
    let (_, _, found) = scim(
        &server,
        &secret,
        "GET",
        "/Users?filter=externalId%20eq%20%22entra-42%22",
        &[],
        None,
    )
    .await;
    assert_eq!(found["totalResults"], 1);
    let (_, _, found) = scim(
        &server,
        &secret,
        "GET",
        "/Users?filter=externalId%20eq%20%22ENTRA-42%22",
        &[],
        None,
    )
    .await;
    assert_eq!(found["totalResults"], 0, "externalId is case-exact");

    // The work email is a copy of the userName: Entra ID's own `mail` there changes nothing (it
    // must not move the sign-in address back and forth), while the other changes go through.
    let (status, kept) = patch_user(&server, &secret, id, json!([
        { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "sam.mail@northwindlabs.example" },
        { "op": "Replace", "path": "name.givenName", "value": "Samuel" }
    ])).await;
    assert_eq!(
        (status, &kept["userName"], &kept["name"]["givenName"]),
        (StatusCode::OK, &json!(MEMBER), &json!("Samuel")),
        "{kept}"
    );
    // The userName is the address: it changes, on a verified domain only.
    let (status, moved) = patch_user(
        &server,
        &secret,
        id,
        json!([
            { "op": "replace", "path": "userName", "value": "Sam.Reed@NorthwindLabs.example" }
        ]),
    )
    .await;
    assert_eq!(
        (status, &moved["userName"]),
        (StatusCode::OK, &json!("sam.reed@northwindlabs.example")),
        "{moved}"
    );
    let (status, body) = patch_user(
        &server,
        &secret,
        id,
        json!([
            { "op": "replace", "path": "userName", "value": "sam@gmail.example" }
        ]),
    )
    .await;
    assert_eq!(
        (status, &body["scimType"]),
        (StatusCode::BAD_REQUEST, &json!("invalidValue"))
    );
    let (status, _) = patch_user(
        &server,
        &secret,
        id,
        json!([
            { "op": "replace", "path": "userName", "value": OWNER }
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "another member has it");
    let (status, body) = patch_user(
        &server,
        &secret,
        id,
        json!([
            { "op": "remove", "path": "userName" }
        ]),
    )
    .await;
    assert_eq!(
        (status, &body["scimType"]),
        (StatusCode::BAD_REQUEST, &json!("invalidValue"))
    );
    // A NUL, which no identifier holds (PostgreSQL's text cannot), is refused as such.
    let (status, body) = patch_user(
        &server,
        &secret,
        id,
        json!([
            { "op": "replace", "path": "externalId", "value": "entra\u{0}42" }
        ]),
    )
    .await;
    assert_eq!(
        (status, &body["scimType"]),
        (StatusCode::BAD_REQUEST, &json!("invalidValue")),
        "{body}"
    );
    // The address changed, so the person signs in with the new one.
    let (status, _, _) = server
        .another_client()
        .post_sign_in("sam.reed@northwindlabs.example", PASSWORD)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn deletion_follows_the_guide_and_refuses_owners_of_accounts() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let priya = id_of("priya.raman@northwindlabs.example");
    let (status, _, body) = scim(
        &server,
        &secret,
        "DELETE",
        &format!("/Users/{priya}"),
        &[],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let detail = body["detail"].as_str().expect("detail");
    assert!(
        detail.contains("owns") && detail.contains("console"),
        "{detail}"
    );
    let (found, _) = server.detail(priya).await;
    assert_eq!(found.id, priya, "nothing was deleted");

    let (_, _, created) = scim(
        &server,
        &secret,
        "POST",
        "/Users",
        &[],
        Some(new_user("leaver@northwind.example")),
    )
    .await;
    let id = created["id"].as_str().expect("id").to_owned();
    let (status, _, _) = scim(
        &server,
        &secret,
        "DELETE",
        &format!("/Users/{id}"),
        &[("if-match", "\"v999\"")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (status, _, _) = scim(
        &server,
        &secret,
        "DELETE",
        &format!("/Users/{id}"),
        &[],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = scim(&server, &secret, "GET", &format!("/Users/{id}"), &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let audit: Value = server.get("/api/v1/audit?action=user.deleted").await;
    assert_eq!(audit["items"][0]["actor"], "SCIM · Okta");
    // Another organization's member cannot be deleted with Northwind's token.
    let hank = id_of("hank.scorpio@globex.example");
    let (status, _, _) = scim(
        &server,
        &secret,
        "DELETE",
        &format!("/Users/{hank}"),
        &[],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = scim(&server, &secret, "DELETE", "/Users/not-a-number", &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn limits_on_bodies_and_request_rates_answer_in_scim_shape() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let mut big = new_user("big@northwind.example");
    big["name"]["givenName"] = "x".repeat(300 * 1024).into();
    let (status, _, body) = scim(&server, &secret, "POST", "/Users", &[], Some(big)).await;
    assert!(
        status == StatusCode::PAYLOAD_TOO_LARGE && is_scim_error(&body, status),
        "{status} {body}"
    );
    let (status, _, body) = scim(&server, &secret, "POST", "/Users", &[], None).await;
    assert_eq!(
        (status, &body["scimType"]),
        (StatusCode::BAD_REQUEST, &json!("invalidSyntax"))
    );

    // A burst past the limit is told to wait; a bounded number of requests.
    let mut limited = None;
    for _ in 0..1000 {
        let (status, headers, body) =
            scim(&server, &secret, "GET", "/ServiceProviderConfig", &[], None).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((headers, body));
            break;
        }
    }
    let (headers, body) = limited.expect("the burst is limited");
    assert!(headers.contains_key("retry-after"));
    assert!(is_scim_error(&body, StatusCode::TOO_MANY_REQUESTS));
}

/// RFC 7644 §3.5.2: an operation on a read-only attribute is refused (400 mutability). Every
/// attribute of Roster's extension is read-only, so adding to, replacing or removing it is refused
/// and changes nothing — where scim2-tester expects it to be writable (scripts/scim_conformance.py).
#[tokio::test]
async fn patching_the_read_only_extension_is_refused_as_rfc_7644_requires() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let id = id_of(MEMBER);
    let extension = "urn:roster:params:scim:schemas:extension:roster:2.0:User";
    let (_, _, before) = scim(&server, &secret, "GET", &format!("/Users/{id}"), &[], None).await;
    for operation in [
        json!({ "op": "add", "path": extension, "value": { "schemas": [extension] } }),
        json!({ "op": "replace", "path": extension, "value": { "organizationRole": "Owner" } }),
        json!({ "op": "replace", "path": format!("{extension}:organizationRole"), "value": "Owner" }),
        json!({ "op": "remove", "path": extension }),
        json!({ "op": "replace", "path": "id", "value": "1" }),
        json!({ "op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z" }),
    ] {
        let (status, body) = patch_user(&server, &secret, id, json!([operation.clone()])).await;
        assert_eq!(
            (status, &body["scimType"]),
            (StatusCode::BAD_REQUEST, &json!("mutability")),
            "{operation}: {body}"
        );
    }
    let (_, _, after) = scim(&server, &secret, "GET", &format!("/Users/{id}"), &[], None).await;
    assert_eq!(before, after, "nothing changed");
    // A search of every resource type at once (the root /.search) is not offered: 501, as RFC 7644 §3.4.3 allows.
    let (status, _, found) = scim(
        &server,
        &secret,
        "POST",
        "/.search",
        &[],
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": format!("id eq \"{id}\""),
        })),
    )
    .await;
    assert!(
        status == StatusCode::NOT_IMPLEMENTED && is_scim_error(&found, status),
        "{found}"
    );
}

/// The id of Northwind's account named `name`, read from the console.
async fn account_id(server: &TestServer, name: &str) -> i64 {
    let page: Value = server.get("/api/v1/accounts?limit=100").await;
    page["items"]
        .as_array()
        .and_then(|items| items.iter().find(|a| a["name"] == name))
        .and_then(|a| a["id"].as_i64())
        .expect("the account")
}

fn member_values(group: &Value) -> Vec<String> {
    group["members"]
        .as_array()
        .map(|members| {
            members
                .iter()
                .filter_map(|m| m["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn groups_are_account_roles_and_their_members_follow_the_administrator_rule() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let (status, _, all) = scim(
        &server,
        &secret,
        "GET",
        "/Groups?excludedAttributes=members",
        &[],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        all["totalResults"],
        12 * 4,
        "every account × role of Northwind"
    );
    assert!(all["Resources"]
        .as_array()
        .expect("groups")
        .iter()
        .all(|g| g.get("members").is_none()));
    assert!(
        !all.to_string().contains("Globex"),
        "no other organization's accounts"
    );

    // Members are the organization's members who hold the role: never an external user who does.
    let (_, _, with_members) = scim(&server, &secret, "GET", "/Groups?count=200", &[], None).await;
    let listed: std::collections::BTreeSet<String> = with_members["Resources"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(member_values)
        .collect();
    let members = server.users("view=managed&limit=200").await;
    let externals = server.users("view=external&limit=200").await;
    assert!(externals.items.iter().any(|u| !u.access.is_empty()));
    assert!(externals
        .items
        .iter()
        .all(|u| !listed.contains(&u.id.to_string())));
    assert!(listed.len() > 10);
    assert!(listed
        .iter()
        .all(|id| members.items.iter().any(|u| &u.id.to_string() == id)));
    // One group read alone leaves them out too: an external user's own role groups.
    let external = externals
        .items
        .iter()
        .find(|u| !u.access.is_empty())
        .expect("an external user with access");
    for access in &external.access {
        for role in roster_model::AccountRole::ALL
            .into_iter()
            .filter(|role| access.roles.contains(*role))
        {
            let id = format!("/Groups/{}-{}", access.account.id, role.as_str());
            let (status, _, group) = scim(&server, &secret, "GET", &id, &[], None).await;
            assert_eq!(status, StatusCode::OK, "{group}");
            assert!(!member_values(&group).contains(&external.id.to_string()));
        }
    }

    let sandbox = account_id(&server, "Partner Sandbox").await;
    let developers = format!("/Groups/{sandbox}-developer");
    let administrators = format!("/Groups/{sandbox}-administrator");
    let filter = urlencode(r#"displayName eq "Partner Sandbox · Developer""#);
    let (_, _, found) = scim(
        &server,
        &secret,
        "GET",
        &format!("/Groups?filter={filter}"),
        &[],
        None,
    )
    .await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], format!("{sandbox}-developer"));

    // Sam gets Developer on the account, through the group.
    let sam = id_of(MEMBER).to_string();
    let (_, _, before) = scim(&server, &secret, "GET", &developers, &[], None).await;
    let had_sam = member_values(&before).contains(&sam);
    let (status, group) = patch_resource(
        &server,
        &secret,
        &developers,
        json!([
            { "op": "add", "path": "members", "value": [{ "value": sam }] }
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    assert!(member_values(&group).contains(&sam));
    let (detail, _) = server.detail(id_of(MEMBER)).await;
    let access = detail
        .accounts
        .iter()
        .find(|a| a.account.id == sandbox)
        .expect("access");
    assert!(access.roles.contains(roster_model::AccountRole::Developer));
    let (_, _, user) = scim(&server, &secret, "GET", &format!("/Users/{sam}"), &[], None).await;
    assert!(user["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .any(|g| g["value"] == format!("{sandbox}-developer")));

    // Administrator holds Developer: adding it clears Developer, and adding Developer back to an
    // Administrator changes nothing — each answer's members say so.
    let (_, admins) = patch_resource(
        &server,
        &secret,
        &administrators,
        json!([
            { "op": "add", "path": "members", "value": [{ "value": sam }] }
        ]),
    )
    .await;
    assert!(member_values(&admins).contains(&sam));
    let (_, _, developers_now) = scim(&server, &secret, "GET", &developers, &[], None).await;
    assert!(
        !member_values(&developers_now).contains(&sam),
        "Administrator cleared Developer"
    );
    let (_, again) = patch_resource(
        &server,
        &secret,
        &developers,
        json!([
            { "op": "add", "path": "members", "value": [{ "value": sam }] }
        ]),
    )
    .await;
    assert!(
        !member_values(&again).contains(&sam),
        "an Administrator is not made Developer too"
    );

    // Entra ID's remove shape takes only the member listed; with no role left, the access goes.
    let (status, admins) = patch_resource(
        &server,
        &secret,
        &administrators,
        json!([
            { "op": "Remove", "path": "members", "value": [{ "value": sam }] }
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!member_values(&admins).contains(&sam));
    let (detail, _) = server.detail(id_of(MEMBER)).await;
    assert!(
        had_sam || detail.accounts.iter().all(|a| a.account.id != sandbox),
        "{:?}",
        detail.accounts
    );
    let audit: Value = server.get("/api/v1/audit?actor=SCIM%20%C2%B7%20Okta").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"account.roles_changed"), "{actions:?}");

    // Only the organization's members can be members; names and the set of groups are fixed.
    for outsider in [id_of("hank.scorpio@globex.example"), 999_999] {
        let (status, body) = patch_resource(
            &server,
            &secret,
            &developers,
            json!([
                { "op": "add", "path": "members", "value": [{ "value": outsider.to_string() }] }
            ]),
        )
        .await;
        assert_eq!(
            (status, &body["scimType"]),
            (StatusCode::BAD_REQUEST, &json!("invalidValue")),
            "{outsider}"
        );
    }
    let (status, body) = patch_resource(
        &server,
        &secret,
        &developers,
        json!([
            { "op": "replace", "path": "displayName", "value": "Renamed" }
        ]),
    )
    .await;
    assert_eq!(
        (status, &body["scimType"]),
        (StatusCode::BAD_REQUEST, &json!("mutability"))
    );
    let (status, _, body) = scim(
        &server,
        &secret,
        "POST",
        "/Groups",
        &[],
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "New"
        })),
    )
    .await;
    assert!(
        status == StatusCode::FORBIDDEN && is_scim_error(&body, status),
        "{body}"
    );
    let (status, _, _) = scim(&server, &secret, "DELETE", &developers, &[], None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Another organization's groups are not found; nor are made-up ones.
    let globex_token = token(&server, GLOBEX).await;
    let (_, _, theirs) = scim(
        &server,
        &globex_token,
        "GET",
        "/Groups?count=1&excludedAttributes=members",
        &[],
        None,
    )
    .await;
    let theirs = theirs["Resources"][0]["id"]
        .as_str()
        .expect("a Globex group")
        .to_owned();
    for missing in [
        theirs.as_str(),
        "0-developer",
        "abc",
        &format!("{sandbox}-owner"),
    ] {
        let (status, _, _) = scim(
            &server,
            &secret,
            "GET",
            &format!("/Groups/{missing}"),
            &[],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        let (status, _) = patch_resource(
            &server,
            &secret,
            &format!("/Groups/{missing}"),
            json!([
                { "op": "add", "path": "members", "value": [{ "value": sam }] }
            ]),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn twenty_group_changes_on_one_version_let_one_through() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let sandbox = account_id(&server, "Partner Sandbox").await;
    let support = format!("/Groups/{sandbox}-support");
    let (_, headers, _) = scim(&server, &secret, "GET", &support, &[], None).await;
    let tag = headers["etag"].to_str().expect("etag").to_owned();
    let members: Vec<i64> = demo_as_inserted()
        .users
        .iter()
        .filter(|u| u.membership.as_ref().is_some_and(|m| m.org_id == NORTHWIND))
        .map(|u| u.id)
        .take(20)
        .collect();
    let statuses =
        in_parallel(20, |i| {
            let server = server.another_client();
            let secret = secret.clone();
            let tag = tag.clone();
            let support = support.clone();
            let member = members[i];
            async move {
                scim(&server, &secret, "PATCH", &support, &[("if-match", &tag)], Some(patch(json!([
                { "op": "add", "path": "members", "value": [{ "value": member.to_string() }] }
            ])))).await.0
            }
        })
        .await;
    let ok = count(&statuses, StatusCode::OK);
    let stale = count(&statuses, StatusCode::PRECONDITION_FAILED);
    // A member who already held Support changes nothing, so the version may stay: at least one
    // goes through, and every other is refused as stale.
    assert!(ok >= 1 && ok + stale == 20, "{statuses:?}");
    let (_, _, group) = scim(&server, &secret, "GET", &support, &[], None).await;
    let added = members
        .iter()
        .filter(|id| member_values(&group).contains(&id.to_string()))
        .count();
    assert!(added >= ok, "{group}");
}

/// PATCHes without If-Match apply to the resource as it is when they are saved: ten identity-
/// provider requests at once, each adding a member, all go through, and so does a user's.
#[tokio::test]
async fn patches_without_if_match_racing_each_other_all_take_effect() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let sandbox = account_id(&server, "Partner Sandbox").await;
    let support = format!("/Groups/{sandbox}-support");
    let members: Vec<i64> = demo_as_inserted()
        .users
        .iter()
        .filter(|u| {
            u.membership
                .as_ref()
                .is_some_and(|m| m.org_id == NORTHWIND && m.role == roster_model::OrgRole::Member)
        })
        .map(|u| u.id)
        .take(10)
        .collect();
    let statuses =
        in_parallel(members.len(), |i| {
            let server = server.another_client();
            let secret = secret.clone();
            let support = support.clone();
            let member = members[i];
            async move {
                scim(&server, &secret, "PATCH", &support, &[], Some(patch(json!([
                { "op": "add", "path": "members", "value": [{ "value": member.to_string() }] }
            ])))).await.0
            }
        })
        .await;
    assert_eq!(
        count(&statuses, StatusCode::OK),
        members.len(),
        "{statuses:?}"
    );
    let (_, _, group) = scim(&server, &secret, "GET", &support, &[], None).await;
    for member in &members {
        assert!(
            member_values(&group).contains(&member.to_string()),
            "{member}: {group}"
        );
    }
    // Two changes to one user at once, one suspending and one renaming: both stay.
    let sam = id_of(MEMBER);
    let (first, second) = (server.another_client(), server.another_client());
    let rename = patch_user(
        &first,
        &secret,
        sam,
        json!([{ "op": "replace", "path": "name.familyName", "value": "Renamed" }]),
    );
    let suspend = patch_user(
        &second,
        &secret,
        sam,
        json!([{ "op": "replace", "path": "active", "value": false }]),
    );
    let ((renamed, _), (suspended, _)) = tokio::join!(rename, suspend);
    assert_eq!((renamed, suspended), (StatusCode::OK, StatusCode::OK));
    let (_, _, user) = scim(&server, &secret, "GET", &format!("/Users/{sam}"), &[], None).await;
    assert_eq!(
        (&user["name"]["familyName"], &user["active"]),
        (&json!("Renamed"), &json!(false)),
        "{user}"
    );
    // Twenty renames of one member at once, each to another family name (on PostgreSQL its
    // search row moves between partitions): all apply, and search finds the member once, by the
    // name the last of them left.
    let statuses = in_parallel(20, |i| {
        let server = server.another_client();
        let secret = secret.clone();
        let family = format!("Vexworth{}", char::from(b'a' + i as u8));
        async move {
            let rename = json!([{ "op": "replace", "path": "name.familyName", "value": family }]);
            patch_user(&server, &secret, sam, rename).await.0
        }
    })
    .await;
    assert_eq!(count(&statuses, StatusCode::OK), 20, "{statuses:?}");
    assert_counts_kept(&server).await;
    let (_, _, user) = scim(&server, &secret, "GET", &format!("/Users/{sam}"), &[], None).await;
    let last = user["name"]["familyName"].as_str().expect("a family name");
    for term in ["vexworth", last] {
        let found = server.users(&format!("view=managed&q={term}")).await;
        let ids: Vec<i64> = found.items.iter().map(|u| u.id).collect();
        assert_eq!((ids, found.total), (vec![sam], 1), "{term}");
    }
}

#[tokio::test]
async fn group_versions_external_ids_and_the_owners_last_role_hold() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let sandbox = account_id(&server, "Partner Sandbox").await;
    // A listing without members still carries each group's true version.
    let (_, headers, _) = scim(
        &server,
        &secret,
        "GET",
        &format!("/Groups/{sandbox}-developer"),
        &[],
        None,
    )
    .await;
    let filter = urlencode(&format!("id eq \"{sandbox}-developer\""));
    let (_, _, listed) = scim(
        &server,
        &secret,
        "GET",
        &format!("/Groups?excludedAttributes=members&filter={filter}"),
        &[],
        None,
    )
    .await;
    assert_eq!(
        listed["Resources"][0]["meta"]["version"],
        headers["etag"].to_str().expect("etag")
    );
    assert!(listed["Resources"][0].get("members").is_none());

    // The externalId is kept, is part of the version, and a members-only change leaves it be.
    let developers = format!("/Groups/{sandbox}-developer");
    let (status, named) = patch_resource(
        &server,
        &secret,
        &developers,
        json!([
            { "op": "add", "path": "externalId", "value": "okta-group-7" }
        ]),
    )
    .await;
    assert_eq!(
        (status, &named["externalId"]),
        (StatusCode::OK, &json!("okta-group-7"))
    );
    let (status, refused) = patch_resource(
        &server,
        &secret,
        &developers,
        json!([
            { "op": "replace", "path": "externalId", "value": "okta\u{0}group" }
        ]),
    )
    .await;
    assert_eq!(
        (status, &refused["scimType"]),
        (StatusCode::BAD_REQUEST, &json!("invalidValue")),
        "{refused}"
    );
    assert_ne!(
        named["meta"]["version"],
        headers["etag"].to_str().expect("etag")
    );
    let sam = id_of(MEMBER).to_string();
    let (_, after) = patch_resource(
        &server,
        &secret,
        &developers,
        json!([
            { "op": "add", "path": "members", "value": [{ "value": sam }] }
        ]),
    )
    .await;
    assert_eq!(after["externalId"], "okta-group-7");
    let (_, _, found) = scim(
        &server,
        &secret,
        "GET",
        &format!(
            "/Groups?filter={}",
            urlencode(r#"externalId eq "okta-group-7""#)
        ),
        &[],
        None,
    )
    .await;
    assert_eq!(found["totalResults"], 1);

    // The account's owner keeps a role: taking their last one is refused, as in the console.
    let page: Value = server.get("/api/v1/accounts?limit=100").await;
    let owner = page["items"]
        .as_array()
        .and_then(|items| items.iter().find(|a| a["id"] == sandbox))
        .and_then(|a| a["owner"]["id"].as_i64())
        .expect("the owner")
        .to_string();
    let mut refused = 0;
    for role in ["administrator", "developer", "billing_manager", "support"] {
        let (status, body) = patch_resource(
            &server,
            &secret,
            &format!("/Groups/{sandbox}-{role}"),
            json!([
                { "op": "remove", "path": format!("members[value eq \"{owner}\"]") }
            ]),
        )
        .await;
        match status {
            StatusCode::OK => {}
            StatusCode::CONFLICT => {
                refused += 1;
                assert!(
                    body["detail"].as_str().is_some_and(|d| d.contains("owner")),
                    "{body}"
                );
            }
            other => panic!("{role}: {other} {body}"),
        }
    }
    assert_eq!(refused, 1, "only the last role is kept");
    let (status, _, user) = scim(
        &server,
        &secret,
        "GET",
        &format!("/Users/{owner}"),
        &[],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(user["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .any(|g| g["value"]
            .as_str()
            .is_some_and(|v| v.starts_with(&format!("{sandbox}-")))));
}

#[tokio::test]
async fn seeded_accounts_say_when_their_access_changed_and_changes_keep_saying_it() {
    // SCIM Groups' meta.lastModified: a bulk seed stamps its accounts itself on PostgreSQL, with
    // the stamping trigger off meanwhile; it must be on again afterwards.
    let server = demo_server().await;
    let mut db = database(&server).await;
    let unstamped = "SELECT COUNT(*) FROM accounts a WHERE a.access_changed_at IS NULL \
         AND EXISTS (SELECT 1 FROM account_access x WHERE x.account_id = a.id)";
    assert_eq!(scalar(&mut db, unstamped).await, 0);
    sqlx::query("UPDATE accounts SET access_changed_at = 0")
        .execute(&mut db)
        .await
        .expect("clear the stamps");
    sqlx::query(
        "UPDATE account_access SET roles = roles \
         WHERE account_id = (SELECT MIN(account_id) FROM account_access)",
    )
    .execute(&mut db)
    .await
    .expect("touch one account's access");
    assert_eq!(
        scalar(
            &mut db,
            "SELECT COUNT(*) FROM accounts WHERE access_changed_at > 0"
        )
        .await,
        1
    );
}

/// A group's version moves whenever who holds its role may have changed, the path taken being
/// the database's own (a listing reads no holder to make it): here, someone with the role who
/// joins the organization, and leaves it again, with their access, and the account leaving the
/// organization and coming back.
#[tokio::test]
async fn a_groups_version_moves_when_a_holder_joins_or_leaves_the_organization() {
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let demo = demo_as_inserted();
    let (account, external, role) = demo
        .access
        .iter()
        .find_map(|grant| {
            let account = demo.accounts.iter().find(|a| a.id == grant.account_id)?;
            let user = demo.users.iter().find(|u| u.id == grant.user_id)?;
            let role = roster_model::AccountRole::ALL
                .into_iter()
                .find(|role| grant.roles.contains(*role))?;
            (account.org_id == NORTHWIND && user.membership.is_none())
                .then_some((account.id, user.id, role))
        })
        .expect("an external user with a role on a Northwind account");
    let path = format!("/Groups/{account}-{}", role.as_str());
    let read = || {
        let server = &server;
        let secret = &secret;
        let path = &path;
        async move {
            let (status, headers, group) = scim(server, secret, "GET", path, &[], None).await;
            assert_eq!(status, StatusCode::OK, "{group}");
            let tag = headers["etag"].to_str().expect("etag").to_owned();
            assert_eq!(group["meta"]["version"], tag.as_str());
            let filter = urlencode(&format!("id eq \"{}\"", group["id"].as_str().unwrap_or("")));
            let (_, _, listed) = scim(
                server,
                secret,
                "GET",
                &format!("/Groups?excludedAttributes=members&filter={filter}"),
                &[],
                None,
            )
            .await;
            assert_eq!(listed["Resources"][0]["meta"]["version"], tag.as_str());
            (tag, member_values(&group))
        }
    };
    let external_id = external.to_string();
    let (before, members) = read().await;
    assert!(
        !members.contains(&external_id),
        "external users are no members"
    );

    let mut db = database(&server).await;
    let join = format!(
        "UPDATE users SET org_id = {NORTHWIND}, org_role = 'member', joined_at = {}, \
         member_source = 'invited' WHERE id = {external}",
        server.now()
    );
    sqlx::query(&join).execute(&mut db).await.expect(&join);
    let (joined, members) = read().await;
    assert!(members.contains(&external_id), "a member now");
    assert_ne!(joined, before);
    let (status, _, stale) = scim(
        &server,
        &secret,
        "PATCH",
        &path,
        &[("if-match", &before)],
        Some(patch(json!([
            { "op": "add", "path": "members", "value": [{ "value": id_of(MEMBER).to_string() }] }
        ]))),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{stale}");

    let leave = format!(
        "UPDATE users SET org_id = NULL, org_role = NULL, joined_at = NULL, member_source = NULL \
         WHERE id = {external}"
    );
    sqlx::query(&leave).execute(&mut db).await.expect(&leave);
    let (left, members) = read().await;
    assert!(!members.contains(&external_id));
    assert_ne!(left, joined);

    // An account that leaves the organization and comes back is not the group it was.
    for change in [
        format!("UPDATE accounts SET org_id = NULL WHERE id = {account}"),
        format!("UPDATE accounts SET org_id = {NORTHWIND} WHERE id = {account}"),
    ] {
        sqlx::query(&change).execute(&mut db).await.expect(&change);
    }
    let (back, _) = read().await;
    assert_ne!(back, left);
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn an_invitation_does_not_keep_the_domain_s_identity_provider_from_an_address() {
    // Another organization invites an address on Northwind's verified domain to one of its own
    // accounts, and Northwind invites a new hire from the console: neither keeps Northwind's
    // identity provider from provisioning them (each was a 409 "exists elsewhere", so anyone
    // could squat a domain's addresses with invitations).
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let mut globex = server.another_client();
    globex.sign_in_as("hank.scorpio@globex.example").await;
    let accounts: Value = globex.get("/api/v1/accounts?limit=1").await;
    let account = accounts["items"][0]["id"]
        .as_i64()
        .expect("a Globex account");
    let squatted = "ceo.to.be@northwind.example";
    let (status, body) = globex
        .post_json(
            &format!("/api/v1/accounts/{account}/invitations"),
            json!({"emails": [squatted], "roles": ["support"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let hire = "new.hire.scim@northwind.example";
    let (status, body) = server
        .post_json("/api/v1/invitations", json!({"emails": [hire]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let counts_before: Value = server.get("/api/v1/users/counts").await;

    for email in [squatted, hire] {
        let (status, _, created) = scim(
            &server,
            &secret,
            "POST",
            "/Users",
            &[],
            Some(new_user(email)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["userName"], email);
        let managed = server.users(&format!("view=managed&q={email}")).await;
        assert_eq!(managed.items.len(), 1, "{email} is a member");
    }
    // Northwind's own invitation ended with the provisioning; the tab counts say so.
    assert!(server
        .users(&format!("view=invited&q={hire}"))
        .await
        .items
        .is_empty());
    let counts: Value = server.get("/api/v1/users/counts").await;
    assert_eq!(
        counts["managed"],
        counts_before["managed"].as_u64().expect("count") + 2
    );
    assert_eq!(
        counts["invited"],
        counts_before["invited"].as_u64().expect("count") - 1
    );
    // Globex's invitation to its account stays, for an existing user now.
    let pending: Value = globex
        .get(&format!("/api/v1/accounts/{account}/invitations"))
        .await;
    assert!(pending.to_string().contains(squatted), "{pending}");
    // Someone who uses the address already is not taken over: see
    // `a_new_person_on_a_verified_domain_becomes_a_member_and_is_welcomed`.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_invited_person_provisioned_twenty_times_at_once_becomes_one_member() {
    // Taking over an invited placeholder reads it, then changes it: twenty identity-provider
    // retries at once make one member, end the invitation once, and leave the counts right.
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let hire = "raced.hire@northwind.example";
    let (status, body) = server
        .post_json("/api/v1/invitations", json!({"emails": [hire]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let counts_before: Value = server.get("/api/v1/users/counts").await;
    let statuses = provisioned_at_once(&server, &secret, hire).await;
    assert_eq!(count(&statuses, StatusCode::CREATED), 1, "{statuses:?}");
    assert_eq!(count(&statuses, StatusCode::CONFLICT), 19, "{statuses:?}");
    assert_eq!(
        server
            .users(&format!("view=managed&q={hire}"))
            .await
            .items
            .len(),
        1
    );
    let counts: Value = server.get("/api/v1/users/counts").await;
    assert_eq!(
        counts["managed"],
        counts_before["managed"].as_u64().expect("count") + 1
    );
    assert_eq!(
        counts["invited"],
        counts_before["invited"].as_u64().expect("count") - 1
    );
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn a_deleted_user_s_id_is_never_given_to_another() {
    // The newest user deleted, the next one made does not get their id: a request meant for the
    // deleted one (an identity provider's, or a stale page's with If-Match "v1") finds no one.
    let server = demo_server().await;
    let secret = token(&server, NORTHWIND).await;
    let create = |email: &'static str| {
        let (server, secret) = (&server, &secret);
        async move {
            let (status, _, created) =
                scim(server, secret, "POST", "/Users", &[], Some(new_user(email))).await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            created["id"].as_str().expect("id").to_owned()
        }
    };
    let gone = create("gone.soon@northwind.example").await;
    let path = format!("/Users/{gone}");
    let (status, _, _) = scim(&server, &secret, "DELETE", &path, &[], None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let next = create("next.one@northwind.example").await;
    assert_ne!(next, gone);
    let (status, _, _) = scim(&server, &secret, "GET", &path, &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body) = server
        .send_json(
            "PATCH",
            &format!("/api/v1/users/{gone}"),
            &[("if-match", "\"v1\"")],
            Some(json!({"org_role": "administrator"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
