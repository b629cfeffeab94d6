//! Signing in as the demo's people, and acting with API tokens.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use roster_server::dataset;
use roster_server::two_factor;

use super::*;

pub const PASSWORD: &str = "correct horse battery";
pub const OWNER: &str = dataset::DEMO_OWNER_EMAIL;
pub const MEMBER: &str = dataset::DEMO_MEMBER_EMAIL;

pub fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| roster_server::auth::hash_password(PASSWORD).expect("hash"))
}

impl TestServer {
    /// POST /session with the anti-forgery header; returns status, Set-Cookie and body.
    pub async fn post_sign_in(
        &self,
        email: &str,
        password: &str,
    ) -> (StatusCode, Option<String>, serde_json::Value) {
        self.post_sign_in_with_code(email, password, None).await
    }

    /// POST /session with a second-factor code too.
    pub async fn post_sign_in_with_code(
        &self,
        email: &str,
        password: &str,
        code: Option<&str>,
    ) -> (StatusCode, Option<String>, serde_json::Value) {
        let request = Request::post("/api/v1/session")
            .header("content-type", "application/json")
            .header(roster_model::CSRF_HEADER, "1")
            .body(Body::from(
                serde_json::json!({"email": email, "password": password, "code": code}).to_string(),
            ))
            .expect("request");
        let response = self.send(request).await;
        let status = response.status();
        let set_cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (
            status,
            set_cookie,
            serde_json::from_slice(&body).unwrap_or_default(),
        )
    }

    /// Signs in with the demo password, and for a user enrolled in two-factor with the current code
    /// of their demo secret (each code works once: sign the same user in again a step later).
    pub async fn sign_in_as(&mut self, email: &str) {
        let (mut status, mut set_cookie, mut body) = self.post_sign_in(email, PASSWORD).await;
        if body["error"]["code"] == "two_factor_code_required" {
            let secret = two_factor::demo_secret(email);
            let code = two_factor::code_at(&secret, email, self.now());
            (status, set_cookie, body) = self
                .post_sign_in_with_code(email, PASSWORD, code.as_deref())
                .await;
        }
        assert_eq!(status, StatusCode::OK, "{body}");
        let set_cookie = set_cookie.expect("a session cookie");
        self.cookie = Some(set_cookie.split(';').next().unwrap_or_default().to_owned());
    }

    /// Creates a token as this (signed-in) Owner, with their password; answers its secret.
    pub async fn new_token(&self, mut body: serde_json::Value) -> String {
        body["current_password"] = PASSWORD.into();
        let (status, created) = self.post_json("/api/v1/tokens", body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["secret"].as_str().expect("secret").to_owned()
    }

    pub async fn status_with_token(&self, secret: &str) -> StatusCode {
        let request = Request::get("/api/v1/users")
            .header("authorization", format!("Bearer {secret}"))
            .body(Body::empty())
            .expect("request");
        self.router.clone().oneshot_request(request).await.status()
    }

    /// Makes `email` an Owner (as the signed-in Owner).
    pub async fn promote(&self, email: &str) {
        let (status, _, body) = self
            .send_json(
                "PATCH",
                &format!("/api/v1/users/{}", id_of(email)),
                &[("if-match", &self.detail(id_of(email)).await.1)],
                Some(serde_json::json!({"org_role": "owner"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

/// A code the demo secret of `email` does not accept now.
pub fn wrong_code(email: &str, now: i64) -> String {
    let secret = two_factor::demo_secret(email);
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|code| two_factor::matching_step(&secret, email, code, now, None).is_none())
        .expect("a wrong code")
}
