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
    /// Serves `allowed_hosts` (lower-case `host[:port]`), and the app's `pages` as served (their
    /// inline start-up script and stylesheet are allowed by hash, nothing else inline is).
    pub fn new(allowed_hosts: Vec<String>, pages: &[&str]) -> Arc<WebPolicy> {
        let hashes_of = |element: &str| {
            let mut hashes: Vec<String> = pages
                .iter()
                .flat_map(|page| inline_hashes(page, element))
                .collect();
            hashes.sort();
            hashes.dedup();
            hashes
        };
        let csp = content_security_policy(&hashes_of("script"), &hashes_of("style"));
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
/// framing, no plugins, no `<base>` tricks; `scripts` and `styles` are the base64 SHA-256 of the
/// inline scripts and stylesheets allowed.
fn content_security_policy(scripts: &[String], styles: &[String]) -> String {
    let allowed = |hashes: &[String]| -> String {
        hashes
            .iter()
            .map(|hash| format!(" 'sha256-{hash}'"))
            .collect()
    };
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{}; style-src 'self'{}; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        allowed(scripts),
        allowed(styles),
    )
}

/// The base64 SHA-256 of the text of every inline `element` (`script` or `style`; a script with a
/// `src` is not inline, a style never has one) in `html`.
fn inline_hashes(html: &str, element: &str) -> Vec<String> {
    let (open, close) = (format!("<{element}"), format!("</{element}>"));
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after_tag = &rest[start..];
        // `<style` is not `<styles`.
        if !after_tag[open.len()..].starts_with(['>', ' ', '\t', '\n', '\r']) {
            rest = &after_tag[open.len()..];
            continue;
        }
        let Some(open_end) = after_tag.find('>') else {
            break;
        };
        let attributes = &after_tag[..open_end];
        let body_and_more = &after_tag[open_end + 1..];
        let Some(close) = body_and_more.find(&close) else {
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
    fn inline_scripts_and_styles_are_hashed_and_external_scripts_skipped() {
        let html = "<head><script src=\"/a.js\"></script><script type=\"module\">\nrun();\n</script><styles>x</styles><style>p{margin:0}</style></head>";
        let script = STANDARD.encode(Sha256::digest(b"\nrun();\n"));
        let style = STANDARD.encode(Sha256::digest(b"p{margin:0}"));
        assert_eq!(inline_hashes(html, "script"), vec![script.clone()]);
        assert_eq!(inline_hashes(html, "style"), vec![style.clone()]);
        let policy = WebPolicy::new(Vec::new(), &[html, html]);
        let csp = policy.csp.to_str().expect("ascii");
        assert!(csp.contains(&format!(
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-{script}';"
        )));
        assert!(csp.contains(&format!("style-src 'self' 'sha256-{style}';")));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn only_configured_hosts_are_served() {
        let policy = WebPolicy::new(
            vec!["roster.example.com".into(), "127.0.0.1:8080".into()],
            &[],
        );
        assert!(policy.serves(Some(&HeaderValue::from_static("ROSTER.example.com"))));
        assert!(policy.serves(Some(&HeaderValue::from_static("127.0.0.1:8080"))));
        assert!(policy.serves(None));
        assert!(!policy.serves(Some(&HeaderValue::from_static("attacker.example"))));
        assert!(!policy.serves(Some(&HeaderValue::from_static("127.0.0.1:8081"))));
    }
}
