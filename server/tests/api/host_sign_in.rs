//! Sign-in supplied by an embedding host: JSON Web Tokens from the trusted issuer, every way such a
//! token can be wrong, the keys read again when the issuer rotates them, and the cross-origin rules
//! for host pages.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use roster_server::app;
use roster_server::host_sign_in::{HostSignIn, KeySource, TrustedIssuer, MAX_LIFETIME_SECONDS};

use crate::common::*;

const ISSUER: &str = "https://console.host.example";
const AUDIENCE: &str = "roster";
const HOST_ORIGIN: &str = "http://127.0.0.1:9999";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/host-sign-in")
        .join(name)
}

fn key(file: &str) -> EncodingKey {
    let pem = std::fs::read(fixture(file)).expect("test key");
    if file.starts_with("ec") {
        EncodingKey::from_ec_pem(&pem).expect("EC key")
    } else {
        EncodingKey::from_rsa_pem(&pem).expect("RSA key")
    }
}

/// What a well-behaved issuer puts in a token for `email`, valid for five minutes from now.
fn claims(email: &str) -> serde_json::Value {
    serde_json::json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "host-user-1", "email": email,
        "email_verified": true, "iat": NOW, "exp": NOW + 300,
    })
}

/// `claims(OWNER)` with `extra` after it, names written as listed, even twice.
struct ClaimsInOrder(Vec<(&'static str, serde_json::Value)>);

impl serde::Serialize for ClaimsInOrder {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let base = claims(OWNER);
        let base = base.as_object().into_iter().flatten();
        let extra = self.0.iter().map(|(name, value)| (*name, value));
        serializer.collect_map(
            base.map(|(name, value)| (name.as_str(), value))
                .chain(extra),
        )
    }
}

fn mint(alg: Algorithm, kid: &str, key_file: &str, claims: &impl serde::Serialize) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &key(key_file)).expect("token")
}

fn rsa_token(claims: &serde_json::Value) -> String {
    mint(Algorithm::RS256, "host-rsa-1", "rsa.pem", claims)
}

fn test_issuer(keys: KeySource) -> TrustedIssuer {
    TrustedIssuer {
        issuer: ISSUER.to_owned(),
        audience: AUDIENCE.to_owned(),
        keys,
        email_claim: "email".to_owned(),
        verifies_email: false,
    }
}

async fn trusting(server: TestServer, keys: KeySource) -> TestServer {
    trusting_issuer(server, test_issuer(keys)).await
}

async fn trusting_issuer(server: TestServer, issuer: TrustedIssuer) -> TestServer {
    let mut server = server.with_settings(|settings| {
        settings.allowed_origins = vec![HOST_ORIGIN.to_owned()];
    });
    server.state.host_sign_in = Some(Arc::new(HostSignIn::load(issuer).await.expect("keys")));
    server.router = app::router(server.state.clone(), None);
    server
}

/// The demo organization's server, trusting the test issuer's keys file; its Owner signed in by
/// cookie (for reading the audit log).
async fn host_server() -> TestServer {
    trusting(demo_server().await, KeySource::File(fixture("jwks.json"))).await
}

/// A request with `token` as its bearer and no cookie, as a host page sends it.
async fn as_host(
    server: &TestServer,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("origin", HOST_ORIGIN)
        .header("x-roster-csrf", "1");
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = server
        .router
        .clone()
        .oneshot_request(request.body(body).expect("request"))
        .await;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

/// The status of a GET with `token` as its bearer, from a task of its own (for racing).
fn host_get(
    server: &TestServer,
    uri: &str,
    token: &str,
) -> impl std::future::Future<Output = StatusCode> + Send + 'static {
    let router = server.router.clone();
    let request = Request::get(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    async move { router.oneshot_request(request).await.status() }
}

/// The failed sign-ins recorded: (organization, actor, reason).
async fn failures(server: &TestServer) -> Vec<(Option<i64>, String, String)> {
    let mut db = database(server).await;
    let rows: Vec<(Option<i64>, String, String)> = sqlx::query_as(
        "SELECT org_id, actor_label, details FROM audit_events \
         WHERE action = 'session.sign_in_failed' ORDER BY id",
    )
    .fetch_all(&mut db)
    .await
    .expect("failures");
    rows.into_iter()
        .map(|(org, actor, details)| {
            let details: serde_json::Value = serde_json::from_str(&details).expect("details");
            let reason = details["reason"].as_str().unwrap_or_default().to_owned();
            (org, actor, reason)
        })
        .collect()
}

#[tokio::test]
async fn a_token_from_the_trusted_issuer_signs_its_person_in_with_their_own_role() {
    let server = host_server().await;
    for token in [
        rsa_token(&claims(OWNER)),
        mint(Algorithm::ES256, "host-ec-1", "ec.pem", &claims(OWNER)),
    ] {
        let (status, me) = as_host(&server, "GET", "/api/v1/session", &token, None).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["user"]["email"], OWNER);
        assert_eq!(me["role"], "owner");
        let (status, _) = as_host(&server, "GET", "/api/v1/users?view=managed", &token, None).await;
        assert_eq!(status, StatusCode::OK);
    }
    // The email is matched as sign-in matches it.
    let (status, me) = as_host(
        &server,
        "GET",
        "/api/v1/session",
        &rsa_token(&claims(&OWNER.to_uppercase())),
        None,
    )
    .await;
    assert_eq!(
        (status, &me["user"]["email"]),
        (StatusCode::OK, &serde_json::json!(OWNER))
    );
    // Times are NumericDates, which may have a fraction of a second.
    let mut fractional = claims(OWNER);
    fractional["exp"] = serde_json::json!(NOW as f64 + 300.5);
    let (status, me) = as_host(
        &server,
        "GET",
        "/api/v1/session",
        &rsa_token(&fractional),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");

    // A Member is a Member: the token does not make anyone more than they are.
    let member = rsa_token(&claims(MEMBER));
    let (status, me) = as_host(&server, "GET", "/api/v1/session", &member, None).await;
    assert_eq!(
        (status, &me["role"]),
        (StatusCode::OK, &serde_json::json!("member"))
    );
    let (status, error) =
        as_host(&server, "GET", "/api/v1/users?view=managed", &member, None).await;
    assert_eq!(
        (status, &error["error"]["code"]),
        (StatusCode::FORBIDDEN, &serde_json::json!("forbidden"))
    );

    // Changes go through, from the host's origin, without a cookie.
    let (status, answer) = as_host(
        &server,
        "POST",
        "/api/v1/users/bulk",
        &rsa_token(&claims(OWNER)),
        Some(serde_json::json!({"action": "require_two_factor", "ids": [id_of(MEMBER)]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["ok"], true, "{answer}");

    // A host's sign-in is not Roster's own: it cannot mint long-lived API tokens.
    let (status, error) = as_host(
        &server,
        "POST",
        "/api/v1/tokens",
        &rsa_token(&claims(OWNER)),
        Some(serde_json::json!({"name": "From the host", "current_password": PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
}

#[tokio::test]
async fn every_wrong_token_is_refused_and_audited_as_a_failed_sign_in() {
    let server = host_server().await;
    let with = |change: serde_json::Value| {
        let mut claims = claims(OWNER);
        for (name, value) in change.as_object().expect("object") {
            if value.is_null() {
                claims.as_object_mut().expect("claims").remove(name);
            } else {
                claims[name] = value.clone();
            }
        }
        claims
    };
    let encode = |json: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
    };
    let unsigned = format!(
        "{}.{}.",
        encode(serde_json::json!({"alg": "none", "typ": "JWT", "kid": "host-rsa-1"})),
        encode(claims(OWNER))
    );
    // The RSA public key as an HMAC secret: the classic algorithm confusion.
    let public_pem = std::fs::read_to_string(fixture("jwks.json")).expect("jwks");
    let mut hmac_header = Header::new(Algorithm::HS256);
    hmac_header.kid = Some("host-rsa-1".to_owned());
    let confused = jsonwebtoken::encode(
        &hmac_header,
        &claims(OWNER),
        &EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .expect("token");
    let valid = rsa_token(&claims(OWNER));
    let (head, rest) = valid.split_once('.').expect("jwt");
    let (_, signature) = rest.split_once('.').expect("jwt");
    let tampered = format!(
        "{head}.{}.{signature}",
        encode(with(serde_json::json!({"email": MEMBER})))
    );

    let cases: Vec<(&str, String, Option<&str>)> = vec![
        (
            "expired",
            rsa_token(&with(
                serde_json::json!({"iat": NOW - 900, "exp": NOW - 600}),
            )),
            Some("host_token_expired"),
        ),
        (
            "wrong audience",
            rsa_token(&with(serde_json::json!({"aud": "another-app"}))),
            Some("host_token_audience"),
        ),
        (
            "wrong issuer",
            rsa_token(&with(serde_json::json!({"iss": "https://evil.example"}))),
            Some("host_token_issuer"),
        ),
        (
            "no audience",
            rsa_token(&with(serde_json::json!({"aud": null}))),
            None,
        ),
        (
            "no expiry",
            rsa_token(&with(serde_json::json!({"exp": null}))),
            None,
        ),
        (
            "not yet valid",
            rsa_token(&with(serde_json::json!({"nbf": NOW + 600}))),
            Some("host_token_not_yet_valid"),
        ),
        (
            "valid for too long",
            rsa_token(&with(
                serde_json::json!({"exp": NOW + MAX_LIFETIME_SECONDS + 60}),
            )),
            Some("host_token_lifetime"),
        ),
        (
            "unverified email",
            rsa_token(&with(serde_json::json!({"email_verified": false}))),
            Some("host_token_email"),
        ),
        // An attacker's pass: only `true` says the issuer verified the address.
        (
            "an email not said to be verified",
            rsa_token(&with(serde_json::json!({"email_verified": null}))),
            Some("host_token_email"),
        ),
        (
            "an email verified as a string",
            rsa_token(&with(serde_json::json!({"email_verified": "true"}))),
            Some("host_token_email"),
        ),
        // U+212A KELVIN SIGN lower-cases to "k", and a full-width "ｎ" or an ideographic full
        // stop in a domain map onto ASCII: an address the issuer tells apart names nobody here.
        (
            "an email a case mapping turns into another's",
            rsa_token(&with(
                serde_json::json!({"email": "\u{212A}enji.larsen@northwind.example"}),
            )),
            None,
        ),
        (
            "an email whose domain maps onto another's",
            rsa_token(&with(
                serde_json::json!({"email": "maya.chen@\u{FF4E}orthwind.example"}),
            )),
            None,
        ),
        (
            "an email with an ideographic full stop",
            rsa_token(&with(
                serde_json::json!({"email": "maya.chen@northwind\u{3002}example"}),
            )),
            None,
        ),
        (
            "not yet valid, to a fraction of a second",
            rsa_token(&with(serde_json::json!({"nbf": NOW as f64 + 600.5}))),
            Some("host_token_not_yet_valid"),
        ),
        (
            "a not-before that is no time",
            rsa_token(&with(serde_json::json!({"nbf": "tomorrow"}))),
            Some("host_token_time"),
        ),
        // Far-off times do not wrap round past the lifetime check.
        (
            "issued at the dawn of time",
            rsa_token(&with(
                serde_json::json!({"iat": -1e19, "exp": NOW + 10 * 365 * 24 * 3600}),
            )),
            Some("host_token_lifetime"),
        ),
        ("unsigned (alg none)", unsigned, None),
        ("HS256 with the public key", confused, None),
        (
            "signed by another key",
            mint(
                Algorithm::RS256,
                "host-rsa-1",
                "stranger-rsa.pem",
                &claims(OWNER),
            ),
            None,
        ),
        (
            "an unknown key id",
            mint(
                Algorithm::RS256,
                "someone-else",
                "stranger-rsa.pem",
                &claims(OWNER),
            ),
            None,
        ),
        ("claims changed after signing", tampered, None),
        ("not a JWT", "not.a.jwt".to_owned(), None),
        (
            "nobody here",
            rsa_token(&claims("nobody@elsewhere.example")),
            None,
        ),
    ];
    let before = failures(&server).await.len();
    for (case, token, _) in &cases {
        let (status, error) =
            as_host(&server, "GET", "/api/v1/users?view=managed", token, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {error}");
        assert_eq!(error["error"]["code"], "unauthorized", "{case}");
    }
    let logged = failures(&server).await;
    // Every refusal is logged. Those the issuer signed are failures of the person they name, in
    // their organization's log; forged ones name nobody and stay out of every organization's log.
    let logged = &logged[before..];
    assert_eq!(logged.len(), cases.len(), "{logged:?}");
    let org = logged
        .iter()
        .find(|(_, actor, _)| actor == OWNER)
        .and_then(|(org, _, _)| *org);
    assert!(org.is_some());
    for ((case, _, reason), (org_id, actor, logged_reason)) in cases.iter().zip(logged) {
        match reason {
            Some(reason) => {
                assert_eq!(
                    (org_id, actor.as_str(), logged_reason.as_str()),
                    (&org, OWNER, *reason),
                    "{case}"
                )
            }
            None => assert!(
                org_id.is_none() && logged_reason.starts_with("host_token_"),
                "{case}: {org_id:?} {actor} {logged_reason}"
            ),
        }
    }
    // The refusals left the right token working.
    let (status, _) = as_host(&server, "GET", "/api/v1/session", &valid, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_issuer_that_verifies_every_email_it_names_needs_no_email_verified_claim() {
    let keys = KeySource::File(fixture("jwks.json"));
    let directory = TrustedIssuer {
        verifies_email: true,
        email_claim: "upn".to_owned(),
        ..test_issuer(keys)
    };
    let server = trusting_issuer(demo_server().await, directory).await;
    // The directory's own address names the person; an `email` the person set does not.
    let mut unsaid = claims(OWNER);
    unsaid["upn"] = serde_json::json!(MEMBER);
    unsaid
        .as_object_mut()
        .expect("claims")
        .remove("email_verified");
    let (status, me) = as_host(&server, "GET", "/api/v1/session", &rsa_token(&unsaid), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["email"], MEMBER);
    // What the token says still counts.
    for said in [serde_json::json!(false), serde_json::json!("true")] {
        let mut claims = unsaid.clone();
        claims["email_verified"] = said.clone();
        let (status, _) =
            as_host(&server, "GET", "/api/v1/session", &rsa_token(&claims), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "email_verified: {said}");
    }
}

/// A host's sign-in answers for its own second factors: a change queued on a host's token goes
/// through though two-factor sign-in became required of its person meanwhile, where one on their
/// session or API token changes nothing (the authorization tests).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_queued_on_a_host_token_is_not_held_to_roster_s_second_factor() {
    let server = host_server().await;
    let (maya, member) = (id_of(OWNER), id_of(MEMBER));
    let host = server.another_client();
    let token = rsa_token(&claims(OWNER));
    let required = format!("UPDATE users SET two_factor_required = 1 WHERE id = {maya}");
    let (status, answer) = queued_behind(&server, &[&required], async move {
        let body = serde_json::json!({"action": "require_two_factor", "ids": [member]});
        as_host(&host, "POST", "/api/v1/users/bulk", &token, Some(body)).await
    })
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["ok"], true, "{answer}");
}

#[tokio::test]
async fn a_token_that_gives_a_claim_twice_is_refused() {
    // RFC 7519 lets a parser take the last of two; Roster refuses the token instead, as the
    // issuer may have checked the first.
    let server = host_server().await;
    let twice = mint(
        Algorithm::RS256,
        "host-rsa-1",
        "rsa.pem",
        &ClaimsInOrder(vec![("email", serde_json::json!(MEMBER))]),
    );
    let (status, error) = as_host(&server, "GET", "/api/v1/session", &twice, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
    let logged = failures(&server).await;
    assert_eq!(
        logged
            .last()
            .map(|(org, _, reason)| (*org, reason.as_str())),
        Some((None, "host_token_malformed"))
    );
    // Each name once, the same claims sign in.
    let once = mint(
        Algorithm::RS256,
        "host-rsa-1",
        "rsa.pem",
        &ClaimsInOrder(vec![]),
    );
    let (status, error) = as_host(&server, "GET", "/api/v1/session", &once, None).await;
    assert_eq!(status, StatusCode::OK, "{error}");
}

#[tokio::test]
async fn a_person_removed_from_the_organization_cannot_come_back_with_a_host_token() {
    let server = host_server().await;
    let body = server
        .leave_request(MEMBER, &roster_model::REMOVE_CONSEQUENCES)
        .await;
    let (status, answer) = server.act("POST", id_of(MEMBER), "remove", body).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    let (status, _) = as_host(
        &server,
        "GET",
        "/api/v1/session",
        &rsa_token(&claims(MEMBER)),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_issuers_keys_are_read_again_when_a_token_names_a_new_one() {
    // The issuer publishes its keys at a URL on loopback; at first only the RSA key.
    let all: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("jwks.json")).expect("jwks"))
            .expect("json");
    let rsa_only = serde_json::json!({"keys": [all["keys"][0].clone()]});
    let published = Arc::new(Mutex::new(rsa_only.to_string()));
    let fetches = Arc::new(AtomicUsize::new(0));
    let issuer = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get({
            let published = published.clone();
            let fetches = fetches.clone();
            move || async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                let body = published.lock().expect("keys").clone();
                ([("content-type", "application/json")], body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/jwks.json", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, issuer).await });

    let server = trusting(anonymous_demo_server().await, KeySource::Url(url)).await;
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "read once at start");
    let ec = mint(Algorithm::ES256, "host-ec-1", "ec.pem", &claims(OWNER));
    *published.lock().expect("keys") = all.to_string();
    // Twenty requests with the new key id at once: one of them reads the keys again, all get in.
    let statuses = in_parallel(20, |_| host_get(&server, "/api/v1/session", &ec)).await;
    assert_eq!(count(&statuses, StatusCode::OK), 20, "{statuses:?}");
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        2,
        "read again once for the new key id"
    );
    // Made-up key ids, many at once, do not make the server fetch again and again.
    let forged: Vec<String> = (0..20)
        .map(|n| {
            mint(
                Algorithm::RS256,
                &format!("made-up-{n}"),
                "stranger-rsa.pem",
                &claims(OWNER),
            )
        })
        .collect();
    let statuses = in_parallel(20, |n| host_get(&server, "/api/v1/session", &forged[n])).await;
    assert_eq!(
        count(&statuses, StatusCode::UNAUTHORIZED),
        20,
        "{statuses:?}"
    );
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_host_token_of_another_organization_sees_and_changes_nothing_here() {
    let server = host_server().await;
    let globex = rsa_token(&claims("hank.scorpio@globex.example"));
    let (status, me) = as_host(&server, "GET", "/api/v1/session", &globex, None).await;
    assert_eq!(
        (status, &me["role"]),
        (StatusCode::OK, &serde_json::json!("owner")),
        "{me}"
    );
    let member = id_of(MEMBER);
    let (status, _) = as_host(
        &server,
        "GET",
        &format!("/api/v1/users/{member}"),
        &globex,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, list) = as_host(
        &server,
        "GET",
        "/api/v1/users?view=managed&limit=200",
        &globex,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let listed = list.to_string();
    assert!(!listed.contains("northwind"), "{listed}");
    let (status, answer) = as_host(
        &server,
        "POST",
        "/api/v1/users/bulk",
        &globex,
        Some(serde_json::json!({"action": "require_two_factor", "ids": [member]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["ok"], false, "{answer}");
    assert!(
        answer["results"][0]["name"].is_null(),
        "no name of another organization's: {answer}"
    );
    let (detail, _) = server.detail(member).await;
    assert!(
        !detail.two_factor.required,
        "Northwind's member is untouched"
    );
}

/// The answer to a request from `origin` (a preflight when `preflight`).
async fn from_origin(server: &TestServer, origin: &str, preflight: bool) -> axum::http::HeaderMap {
    let request = if preflight {
        Request::builder()
            .method("OPTIONS")
            .uri("/api/v1/users/bulk")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, x-roster-csrf",
            )
    } else {
        Request::builder()
            .method("GET")
            .uri("/api/v1/health")
            .header("origin", origin)
    };
    let response = server
        .router
        .clone()
        .oneshot_request(request.body(Body::empty()).expect("request"))
        .await;
    response.headers().clone()
}

#[tokio::test]
async fn only_allowed_origins_may_call_across_origins_and_never_with_the_session_cookie() {
    let server = host_server().await;
    let allowed = from_origin(&server, HOST_ORIGIN, true).await;
    assert_eq!(allowed["access-control-allow-origin"], HOST_ORIGIN);
    let methods = allowed["access-control-allow-methods"]
        .to_str()
        .expect("methods");
    assert!(
        methods.contains("POST") && methods.contains("PATCH"),
        "{methods}"
    );
    let headers = allowed["access-control-allow-headers"]
        .to_str()
        .expect("headers")
        .to_ascii_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("x-roster-csrf"),
        "{headers}"
    );
    assert!(
        allowed.get("access-control-allow-credentials").is_none(),
        "cookies never travel across origins"
    );
    let read = from_origin(&server, HOST_ORIGIN, false).await;
    assert_eq!(read["access-control-allow-origin"], HOST_ORIGIN);

    for other in ["http://127.0.0.1:9998", "https://attacker.example", "null"] {
        for preflight in [true, false] {
            let answer = from_origin(&server, other, preflight).await;
            assert!(
                answer.get("access-control-allow-origin").is_none(),
                "{other}"
            );
        }
    }
    // Without --allowed-origin nothing cross-origin is answered.
    let plain = demo_server().await;
    for preflight in [true, false] {
        let answer = from_origin(&plain, HOST_ORIGIN, preflight).await;
        assert!(answer.get("access-control-allow-origin").is_none());
    }

    // The session cookie stays same-origin even for an allowed origin: a change riding on it is
    // refused as a forgery, with or without a bearer header beside it.
    let id = id_of(MEMBER);
    for bearer in [None, Some(rsa_token(&claims(OWNER)))] {
        let mut request = Request::post("/api/v1/users/bulk")
            .header("origin", HOST_ORIGIN)
            .header("x-roster-csrf", "1")
            .header("content-type", "application/json");
        if let Some(token) = &bearer {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let body = serde_json::json!({"action": "require_two_factor", "ids": [id]}).to_string();
        let response = server
            .send(request.body(Body::from(body)).expect("request"))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "bearer: {}",
            bearer.is_some()
        );
    }
}

/// Refused tokens from one address count like failed passwords (apart from them): past the free
/// failures, nothing more is recorded for a while, every refusal stays a 401 (so a console asks
/// its host for a fresh token), and valid tokens keep working. Expired ones are routine: never
/// counted.
#[tokio::test]
async fn a_stream_of_bad_tokens_stops_being_recorded_and_valid_ones_still_pass() {
    let server = host_server().await;
    let mut elsewhere = claims(OWNER);
    elsewhere["aud"] = serde_json::json!("another-service");
    let misdirected = rsa_token(&elsewhere);
    let free = roster_server::auth::FREE_FAILURES_PER_ADDRESS as usize;
    for _ in 0..free + 5 {
        let (status, _) =
            as_host(&server, "GET", "/api/v1/users?limit=1", &misdirected, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        failures(&server).await.len(),
        free,
        "the ones past the free failures are not recorded"
    );
    let (status, _) = as_host(
        &server,
        "GET",
        "/api/v1/users?limit=1",
        &rsa_token(&claims(OWNER)),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a valid token still works from there"
    );
    // The address's pause does not touch password sign-in from it.
    let (status, _, _) = server.another_client().post_sign_in(MEMBER, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    // Once the pause is over, a refusal is recorded again.
    server.advance(roster_server::auth::LONGEST_PAUSE_SECONDS);
    let mut later = elsewhere.clone();
    later["iat"] = serde_json::json!(server.now());
    later["exp"] = serde_json::json!(server.now() + 300);
    let (status, _) = as_host(
        &server,
        "GET",
        "/api/v1/users?limit=1",
        &rsa_token(&later),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(failures(&server).await.len(), free + 1);

    // Expired tokens are what consoles refresh: however many, they pause nothing.
    let server = host_server().await;
    let mut expired = claims(OWNER);
    expired["exp"] = serde_json::json!(server.now() - 60);
    let stale = rsa_token(&expired);
    for _ in 0..free + 5 {
        as_host(&server, "GET", "/api/v1/users?limit=1", &stale, None).await;
    }
    assert_eq!(failures(&server).await.len(), free + 5, "each is audited");
    let (status, _) = as_host(&server, "GET", "/api/v1/users?limit=1", &misdirected, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        failures(&server).await.len(),
        free + 6,
        "and none counted towards a pause"
    );
}
