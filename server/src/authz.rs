//! Who is asking, and what they may do: the one place requests are authenticated and authorized.
//! Handlers state what they need by taking [`Caller`] (any signed-in member), [`Manager`] (an Owner or
//! Administrator) or, for the few session routes, [`PendingCaller`]; nothing else checks roles.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use roster_model::{ErrorCode, OrgRole, CSRF_HEADER};

use crate::auth;
use crate::error::AppError;
use crate::host_sign_in::HostSignIn;
use crate::ops::session;
use crate::state::AppState;
use crate::store::{Acting, Actor, AuditEvent, Credential};

/// Refresh a session's idle timer at most this often, so reads do not each write.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// Who is on the other end of a request, resolved once by [`resolve_client`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address: the peer's, or — only behind a trusted proxy — the one it forwarded.
    pub addr: String,
    /// The browser reached the server over https (directly, or as a trusted proxy says).
    pub https: bool,
}

/// The address and scheme of the client from the socket, and from `X-Forwarded-For` /
/// `X-Forwarded-Proto` only when the socket's peer is one of `trusted_proxies`: anyone else could
/// write any address there and dodge the sign-in throttle.
pub fn client_info(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    uri_https: bool,
    trusted_proxies: &[IpNet],
) -> ClientInfo {
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    let Some(peer) = peer else {
        return ClientInfo {
            addr: "unknown".to_owned(),
            https: uri_https,
        };
    };
    if !trusted(&peer) {
        return ClientInfo {
            addr: peer.to_string(),
            https: uri_https,
        };
    }
    // Each proxy appends the address it received from: the client is the last one not trusted.
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    let addr = forwarded
        .iter()
        .rev()
        .find(|ip| !trusted(ip))
        .or(forwarded.first())
        .copied()
        .unwrap_or(peer);
    let https = uri_https
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    ClientInfo {
        addr: addr.to_string(),
        https,
    }
}

/// Resolves [`ClientInfo`] for every request, before anything else looks at it.
pub async fn resolve_client(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let info = client_info(
        peer,
        request.headers(),
        request.uri().scheme_str() == Some("https"),
        &state.settings.trusted_proxies,
    );
    let https = info.https;
    request.extensions_mut().insert(info);
    let mut response = next.run(request).await;
    // A browser that reached Roster over https keeps to it for a year: no later request (a typed
    // address, a link in mail) goes out over http, where a network attacker could answer it.
    if https {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// The client of a request (see [`resolve_client`]).
pub fn client(parts: &Parts) -> ClientInfo {
    parts
        .extensions
        .get::<ClientInfo>()
        .cloned()
        .unwrap_or(ClientInfo {
            addr: "unknown".to_owned(),
            https: false,
        })
}

/// A signed-in member of an organization.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub org_id: i64,
    pub role: OrgRole,
    pub client_addr: String,
    /// Two-factor is required and not set up; see [`PendingCaller`].
    pub must_enrol_two_factor: bool,
    pub two_factor_enrolled: bool,
    pub password_hash: Option<String>,
    /// How the caller proved who they are.
    pub credential: Credential,
}

impl Caller {
    /// How a message names the caller to the person it is about ([`roster_model::name_and_email`]).
    pub fn name_and_email(&self) -> String {
        roster_model::name_and_email(&self.name, &self.email)
    }

    /// The caller acting at `at`, for the changes and audit events they make.
    pub fn actor(&self, at: i64) -> Actor<'_> {
        Actor {
            org_id: self.org_id,
            acting: Acting::Member {
                user_id: self.user_id,
                credential: &self.credential,
            },
            role: self.role,
            label: &self.name,
            client_addr: &self.client_addr,
            at,
        }
    }

    /// The audit event of something the caller did to their own user (sign-out, a new password).
    pub fn own_event<'a>(&'a self, action: &'a str, at: i64) -> AuditEvent<'a> {
        self.actor(at).event(
            action,
            Some(self.user_id),
            Some(&self.name),
            serde_json::json!({}),
        )
    }
}

/// A member signed in with a session cookie, who may still owe a two-factor enrolment: only
/// reading the session, changing the password, enrolling and signing out take this. Everything
/// else takes [`Caller`].
#[derive(Debug, Clone)]
pub struct PendingCaller {
    pub caller: Caller,
    pub session_id: i64,
    /// A TOTP secret this session is setting up, not yet confirmed.
    pub totp_setup_secret: Option<String>,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(token) = bearer_token(&parts.headers) {
            return match host_sign_in_for(state, &token) {
                Some(host) => session::host_caller(state, host, &token, &client(parts).addr).await,
                None => token_caller(&token, parts, state).await,
            };
        }
        let PendingCaller { caller, .. } = PendingCaller::from_request_parts(parts, state).await?;
        if caller.must_enrol_two_factor {
            return Err(AppError::new(
                ErrorCode::TwoFactorEnrolmentRequired,
                "Your organization requires two-factor sign-in. Set it up to continue.",
            ));
        }
        Ok(caller)
    }
}

impl FromRequestParts<AppState> for PendingCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = || {
            AppError::new(
                ErrorCode::Unauthorized,
                "Your session has ended. Sign in to continue.",
            )
        };
        let https = client(parts).https;
        let token = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|cookies| auth::token_from_cookie_header(cookies, https))
            .ok_or_else(unauthorized)?;
        let now = state.clock.now();
        let token_hash = auth::token_hash(&token);
        let session = state
            .store
            .session(&token_hash, now)
            .await?
            .ok_or_else(unauthorized)?;
        if now - session.last_seen_at >= TOUCH_EVERY_SECONDS {
            state.store.touch_session(session.session_id, now).await?;
        }
        let (Some(org_id), Some(role)) = (session.org_id, session.role) else {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "You are no longer a member of an organization.",
            ));
        };
        Ok(PendingCaller {
            session_id: session.session_id,
            totp_setup_secret: session.totp_setup_secret,
            caller: Caller {
                user_id: session.user_id,
                name: session.name,
                email: session.email,
                org_id,
                role,
                client_addr: client(parts).addr,
                must_enrol_two_factor: session.two_factor.must_enrol(),
                two_factor_enrolled: session.two_factor.secret.is_some(),
                password_hash: session.password_hash,
                credential: Credential::Session { token_hash },
            },
        })
    }
}

/// How every API token's secret starts; anything else in a bearer header is a host's token.
pub const API_TOKEN_PREFIX: &str = "roster_";

/// Someone signed in to a console: by Roster's session (even one still owing a two-factor
/// enrolment) or by an embedding host's token — not by an API token, which is no console session.
/// For reading who one is.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Caller);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let host_token = bearer_token(&parts.headers)
            .is_some_and(|token| host_sign_in_for(state, &token).is_some());
        if host_token {
            return Caller::from_request_parts(parts, state).await.map(SignedIn);
        }
        let PendingCaller { caller, .. } = PendingCaller::from_request_parts(parts, state).await?;
        Ok(SignedIn(caller))
    }
}

/// The trusted issuer that checks `token`, when one is configured and the token is not one of
/// Roster's own API tokens.
fn host_sign_in_for<'a>(state: &'a AppState, token: &str) -> Option<&'a HostSignIn> {
    state
        .host_sign_in
        .as_deref()
        .filter(|_| !token.starts_with(API_TOKEN_PREFIX))
}

/// The secret of an `Authorization: Bearer` header, if the request carries one.
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_owned())
}

/// A script or embedding host acting with an API token, as the Owner who created it.
async fn token_caller(token: &str, parts: &Parts, state: &AppState) -> Result<Caller, AppError> {
    let now = state.clock.now();
    let token_hash = auth::token_hash(token);
    let owner = state
        .store
        .token_owner(&token_hash, now)
        .await?
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Unauthorized,
                "This API token is not valid: it expired or was revoked, or its creator is no longer an Owner.",
            )
        })?;
    if owner.must_enrol_two_factor {
        return Err(AppError::new(
            ErrorCode::TwoFactorEnrolmentRequired,
            format!(
                "This API token works again once {} sets up two-factor sign-in, which the organization requires of them.",
                owner.name
            ),
        ));
    }
    Ok(Caller {
        user_id: owner.user_id,
        name: format!("{} (API token “{}”)", owner.name, owner.token_name),
        email: owner.email,
        org_id: owner.org_id,
        role: OrgRole::Owner,
        client_addr: client(parts).addr,
        must_enrol_two_factor: false,
        two_factor_enrolled: false,
        password_hash: None,
        credential: Credential::ApiToken { token_hash },
    })
}

/// A caller who may manage the organization's users: an Owner or Administrator.
#[derive(Debug, Clone)]
pub struct Manager(pub Caller);

impl FromRequestParts<AppState> for Manager {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        require(
            caller,
            OrgRole::manages_users,
            "Only the organization's Owners and Administrators can manage users.",
        )
        .map(Manager)
    }
}

/// The caller, when their role passes `allowed`; otherwise a 403 that says who may.
fn require(
    caller: Caller,
    allowed: fn(OrgRole) -> bool,
    who_may: &str,
) -> Result<Caller, AppError> {
    if allowed(caller.role) {
        Ok(caller)
    } else {
        Err(AppError::new(ErrorCode::Forbidden, who_may))
    }
}

/// A caller who is an Owner of the organization (API tokens, and later granting Owner).
#[derive(Debug, Clone)]
pub struct Owner(pub Caller);

impl FromRequestParts<AppState> for Owner {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        require(
            caller,
            |role| role == OrgRole::Owner,
            "Only the organization's Owners can do this.",
        )
        .map(Owner)
    }
}

/// Refuses state-changing API requests that a page on another site could have sent: they must carry
/// the anti-forgery header (which needs a CORS preflight, granted only to `--allowed-origin`s) and,
/// when they ride on the session cookie and the browser names an Origin or a fetch site, come from
/// this same site.
pub async fn csrf_guard(request: Request, next: Next) -> Response {
    // The API changes state through these methods only; any other reaches routing and gets 405.
    let changes_state = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if !changes_state {
        return next.run(request).await;
    }
    let headers = request.headers();
    let has_header = headers
        .get(CSRF_HEADER)
        .is_some_and(|v| v.as_bytes() == b"1");
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let foreign_origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            Some(origin_host) != host
        });
    // A bearer token is sent by the page that holds it, never attached by the browser on its own:
    // a host page on an allowed origin may send it. A cookie session stays same-origin only.
    let bearer_only = bearer_token(headers).is_some() && !headers.contains_key(header::COOKIE);
    if !has_header || (!bearer_only && (cross_site || foreign_origin)) {
        return AppError::new(
            ErrorCode::CsrfRejected,
            "This request did not come from Roster itself, so it was refused.",
        )
        .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let trusted: Vec<IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        let spoofed = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "https"),
        ]);
        // Straight from a client: its own headers are ignored.
        let direct = client_info(
            Some("198.51.100.7".parse().unwrap()),
            &spoofed,
            false,
            &trusted,
        );
        assert_eq!(
            direct,
            ClientInfo {
                addr: "198.51.100.7".into(),
                https: false
            }
        );
        // No proxy configured: likewise.
        assert_eq!(
            client_info(Some(proxy), &spoofed, false, &[]).addr,
            "10.0.0.2"
        );
        // Behind the proxy: the address it forwarded, and its scheme.
        assert_eq!(
            client_info(Some(proxy), &spoofed, false, &trusted),
            ClientInfo {
                addr: "203.0.113.9".into(),
                https: true
            }
        );
        // A client that sends its own X-Forwarded-For through the proxy: the proxy's entry wins.
        let chained = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.3")]);
        assert_eq!(
            client_info(Some(proxy), &chained, false, &trusted).addr,
            "203.0.113.9"
        );
        assert_eq!(client_info(None, &spoofed, false, &trusted).addr, "unknown");
    }
}
