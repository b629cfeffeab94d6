//! What browsers are held to: only this server's own host names are served (a page on another
//! site cannot reach it through DNS rebinding), every answer carries the security headers, and the
//! app runs under a strict Content Security Policy.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use roster_model::ErrorCode;
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// The policy one server enforces.
pub struct WebPolicy {
    allowed_hosts: Vec<String>,
    csp: HeaderValue,
}

impl WebPolicy {
    /// Serves `allowed_hosts` (lower-case `host[:port]`), and the app whose `index.html` is given
    /// (its inline start-up script is allowed by hash, nothing else inline is).
    pub fn new(allowed_hosts: Vec<String>, index_html: Option<&str>) -> Arc<WebPolicy> {
        let hashes = index_html.map(inline_script_hashes).unwrap_or_default();
        let csp = content_security_policy(&hashes);
        Arc::new(WebPolicy {
            allowed_hosts,
            csp: HeaderValue::from_str(&csp)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'")),
        })
    }

    fn serves(&self, host: Option<&HeaderValue>) -> bool {
        let Some(host) = host else {
            // Only clients that are not browsers leave Host out; rebinding needs a browser.
            return true;
        };
        host.to_str().is_ok_and(|host| {
            self.allowed_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(host))
        })
    }
}

/// The app's Content Security Policy: its own scripts (and wasm), styles and API only, no
/// framing, no plugins, no `<base>` tricks; `inline_hashes` are the base64 SHA-256 of the inline
/// scripts allowed.
pub fn content_security_policy(inline_hashes: &[String]) -> String {
    let inline: String = inline_hashes
        .iter()
        .map(|hash| format!(" 'sha256-{hash}'"))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{inline}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// The base64 SHA-256 of every inline `<script>` (one without `src`) in `html`.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after_tag = &rest[start..];
        let Some(open_end) = after_tag.find('>') else {
            break;
        };
        let attributes = &after_tag[..open_end];
        let body_and_more = &after_tag[open_end + 1..];
        let Some(close) = body_and_more.find("</script>") else {
            break;
        };
        if !attributes.contains("src=") {
            hashes.push(STANDARD.encode(Sha256::digest(&body_and_more.as_bytes()[..close])));
        }
        rest = &body_and_more[close..];
    }
    hashes
}

/// Refuses requests for other host names (421) and adds the security headers to every answer;
/// API and SCIM answers, which carry personal data and secrets, are never stored by a cache.
pub async fn enforce(
    State(policy): State<Arc<WebPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let is_api = path.starts_with("/api/") || path.starts_with("/scim/");
    let mut response = if policy.serves(request.headers().get(header::HOST)) {
        next.run(request).await
    } else {
        AppError::new(
            ErrorCode::MisdirectedRequest,
            "This server does not answer to that host name.",
        )
        .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, policy.csp.clone());
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if is_api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_skipped() {
        let html = "<head><script src=\"/a.js\"></script><script type=\"module\">\nrun();\n</script></head>";
        let expected = STANDARD.encode(Sha256::digest(b"\nrun();\n"));
        assert_eq!(inline_script_hashes(html), vec![expected.clone()]);
        let csp = content_security_policy(std::slice::from_ref(&expected));
        assert!(csp.contains(&format!(
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-{expected}';"
        )));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn only_configured_hosts_are_served() {
        let policy = WebPolicy::new(
            vec!["roster.example.com".into(), "127.0.0.1:8080".into()],
            None,
        );
        assert!(policy.serves(Some(&HeaderValue::from_static("ROSTER.example.com"))));
        assert!(policy.serves(Some(&HeaderValue::from_static("127.0.0.1:8080"))));
        assert!(policy.serves(None));
        assert!(!policy.serves(Some(&HeaderValue::from_static("attacker.example"))));
        assert!(!policy.serves(Some(&HeaderValue::from_static("127.0.0.1:8081"))));
    }
}
