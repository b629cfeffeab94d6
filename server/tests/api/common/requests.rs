//! Sending requests to the test server and reading the answers.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use roster_model::{ErrorBody, Page, UserDetail, UserSummary};
use serde::de::DeserializeOwned;

use super::*;

pub trait Oneshot {
    async fn oneshot_request(self, request: Request<Body>) -> axum::response::Response;
}

impl Oneshot for Router {
    async fn oneshot_request(self, request: Request<Body>) -> axum::response::Response {
        use tower::ServiceExt;
        match self.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}

impl TestServer {
    pub async fn send(&self, mut request: Request<Body>) -> axum::response::Response {
        if let Some(cookie) = &self.cookie {
            request
                .headers_mut()
                .insert("cookie", cookie.parse().expect("cookie header"));
        }
        self.router.clone().oneshot_request(request).await
    }

    pub async fn get_raw(&self, uri: &str) -> (StatusCode, String, Vec<u8>) {
        let response = self
            .send(Request::get(uri).body(Body::empty()).expect("request"))
            .await;
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        (status, content_type, body)
    }

    pub async fn get<T: DeserializeOwned>(&self, uri: &str) -> T {
        let (status, _, body) = self.get_raw(uri).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "GET {uri}: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("GET {uri}: {e}: {}", String::from_utf8_lossy(&body)))
    }

    pub async fn get_error(&self, uri: &str) -> (StatusCode, ErrorBody) {
        let (status, content_type, body) = self.get_raw(uri).await;
        assert!(
            content_type.starts_with("application/json"),
            "GET {uri} answered {content_type}"
        );
        let error = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("GET {uri}: {e}: {}", String::from_utf8_lossy(&body)));
        (status, error)
    }

    pub async fn users(&self, query: &str) -> Page<UserSummary> {
        self.get(&format!("/api/v1/users?{query}")).await
    }

    /// Every page of a listing, following next_cursor; returns the pages.
    pub async fn walk_forward(&self, query: &str) -> Vec<Page<UserSummary>> {
        let mut pages = vec![self.users(query).await];
        while let Some(cursor) = pages.last().and_then(|p| p.next_cursor.clone()) {
            assert!(pages.len() < 100, "paging does not end");
            pages.push(self.users(&format!("{query}&cursor={cursor}")).await);
        }
        pages
    }

    /// The ids of every page of a listing (`walk_forward`), in its order.
    pub async fn walk_forward_ids(&self, query: &str) -> Vec<i64> {
        self.walk_forward(query)
            .await
            .iter()
            .flat_map(|page| page.items.iter().map(|user| user.id))
            .collect()
    }

    /// A user's page and its ETag.
    pub async fn detail(&self, id: i64) -> (UserDetail, String) {
        let (status, headers, body) = self
            .send_json("GET", &format!("/api/v1/users/{id}"), &[], None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let tag = headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (serde_json::from_value(body).expect("detail"), tag)
    }

    /// PATCHes `change` to a user at the version a read of them gives now.
    pub async fn patch_as_read(
        &self,
        id: i64,
        change: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let uri = format!("/api/v1/users/{id}");
        self.at_current_version("PATCH", id, &uri, change).await
    }

    /// POSTs or PUTs `body` to a user action at the user's current version.
    pub async fn act(
        &self,
        method: &str,
        id: i64,
        action: &str,
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let uri = format!("/api/v1/users/{id}/{action}");
        self.at_current_version(method, id, &uri, body).await
    }

    async fn at_current_version(
        &self,
        method: &str,
        id: i64,
        uri: &str,
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let (_, tag) = self.detail(id).await;
        let (status, _, body) = self
            .send_json(method, uri, &[("if-match", tag.as_str())], Some(body))
            .await;
        (status, body)
    }

    /// The body that removes or deletes `email` (confirming `consequences`), giving every account
    /// they own to the demo Owner.
    pub async fn leave_request(
        &self,
        email: &str,
        consequences: &[roster_model::Consequence],
    ) -> serde_json::Value {
        let (detail, _) = self.detail(id_of(email)).await;
        let new_owners: Vec<serde_json::Value> = detail
            .accounts
            .iter()
            .filter(|a| a.owner)
            .map(|a| serde_json::json!({"account_id": a.account.id, "new_owner_id": id_of(OWNER)}))
            .collect();
        serde_json::json!({"acknowledged": acknowledged(consequences), "new_owners": new_owners})
    }

    /// Accepts the invitation of `token` with a passphrase, naming a new user `name` (given, family).
    pub async fn accept_invitation(
        &self,
        token: &str,
        name: Option<(&str, &str)>,
    ) -> (StatusCode, serde_json::Value) {
        let mut body = serde_json::json!({"token": token, "password": "a long enough passphrase"});
        if let Some((given, family)) = name {
            body["given_name"] = given.into();
            body["family_name"] = family.into();
        }
        self.post_json("/api/v1/invitations/accept", body).await
    }

    /// The id of `email` on the External tab, if they are listed there.
    pub async fn external_user_id(&self, email: &str) -> Option<i64> {
        let page = self.users(&format!("view=external&q={email}")).await;
        page.items.iter().find(|u| u.email == email).map(|u| u.id)
    }

    pub async fn post_json(
        &self,
        uri: &str,
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let (status, _, body) = self.send_json("POST", uri, &[], Some(body)).await;
        (status, body)
    }

    /// Sends a request with the anti-forgery header, `headers`, and `body` as JSON; answers the
    /// status, the response headers and the body as JSON (null when it is none).
    pub async fn send_json(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<serde_json::Value>,
    ) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(roster_model::CSRF_HEADER, "1");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let response = self.send(request.body(body).expect("request")).await;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (
            status,
            headers,
            serde_json::from_slice(&bytes).unwrap_or_default(),
        )
    }
}
