//! The only code in the app that does HTTP: a typed client for Roster's JSON API.

use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::prelude::{on_cleanup, Callable, Callback, StoredValue, UpdateValue, WithValue};
use roster_model::{ApiError, ErrorBody, ErrorCode, FirstRead, Page, CSRF_HEADER};
use send_wrapper::SendWrapper;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal};

use crate::config::TokenSource;

mod accounts;
mod audit;
mod domains;
mod import;
mod invitations;
mod manage;
mod password_resets;
mod scim;
mod session;
mod tokens;
mod users;

pub use audit::AuditFilters;

/// Why an API call failed, in terms the UI can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// The server could not be reached (offline, server down, blocked).
    Network,
    /// The server answered with Roster's error shape.
    Api { status: u16, error: ApiError },
    /// The server answered with something that is not Roster's API (a proxy error page, say).
    Unexpected { status: u16 },
    /// Nobody waits for the answer any more: the page that asked went away.
    Cancelled,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message())
    }
}

/// So a view can render a failed request as a `Result` and let its error boundary show it.
impl std::error::Error for ApiFailure {}

impl ApiFailure {
    pub fn message(&self) -> String {
        match self {
            ApiFailure::Network => {
                "Roster could not reach its server. Check your connection, then try again."
                    .to_owned()
            }
            ApiFailure::Api { error, .. } => error.message.clone(),
            ApiFailure::Cancelled => "The request was cancelled.".to_owned(),
            ApiFailure::Unexpected { status } => {
                format!(
                    "The server gave an unexpected answer (HTTP {status}). Try again in a moment."
                )
            }
        }
    }

    /// The host gave no token to sign in with: its person is signed out.
    fn signed_out() -> Self {
        ApiFailure::Api {
            status: 401,
            error: ApiError {
                code: ErrorCode::Unauthorized,
                message:
                    "You are signed out of the console around Roster. Sign in there to continue."
                        .to_owned(),
                field: None,
            },
        }
    }

    /// The request field the failure is about, so a form can show it there.
    pub fn field(&self) -> Option<String> {
        match self {
            ApiFailure::Api { error, .. } => error.field.clone(),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiFailure::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }
}

/// Where the API is and whom to tell when the session ends: set once per mounted app.
#[derive(Clone)]
struct Connection {
    base: String,
    /// Told when the server says the session has ended, so the app can ask the admin to sign in again.
    on_unauthorized: Option<Callback<()>>,
    /// The embedding host's sign-in: its tokens go in `Authorization`, and no cookie is sent.
    tokens: Option<TokenSource>,
    /// The host's last token, used until the server refuses it.
    token: Option<String>,
}

/// The typed client of Roster's API. `Copy`: its settings live in the reactive owner of the app
/// that created it, so closures take it without cloning, and it stops when that app unmounts.
#[derive(Clone, Copy)]
pub struct ApiClient {
    connection: StoredValue<Connection>,
}

impl ApiClient {
    pub fn new(base: impl Into<String>) -> Self {
        ApiClient {
            connection: StoredValue::new(Connection {
                base: base.into(),
                on_unauthorized: None,
                tokens: None,
                token: None,
            }),
        }
    }

    pub fn on_unauthorized(self, hook: Callback<()>) -> Self {
        self.connection
            .update_value(|connection| connection.on_unauthorized = Some(hook));
        self
    }

    /// Signs requests in with the host's tokens rather than Roster's session cookie.
    pub fn with_tokens(self, tokens: Option<TokenSource>) -> Self {
        self.connection
            .update_value(|connection| connection.tokens = tokens);
        self
    }

    /// The URL of `path`; `Cancelled` once the app that made this client is gone.
    fn url(&self, path: &str) -> Result<String, ApiFailure> {
        self.connection
            .try_with_value(|connection| format!("{}{path}", connection.base))
            .ok_or(ApiFailure::Cancelled)
    }

    async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiFailure> {
        request
            .map_err(|_| ApiFailure::Network)?
            .send()
            .await
            .map_err(|_| ApiFailure::Network)
    }

    /// Sends a request of the signed-in person: as it is with Roster's session cookie, or with the
    /// host's token — and once more with a fresh one when the server refuses it.
    async fn send_signed(
        &self,
        request: Result<Request, gloo_net::Error>,
    ) -> Result<Response, ApiFailure> {
        let tokens = self
            .connection
            .try_with_value(|connection| connection.tokens.clone())
            .ok_or(ApiFailure::Cancelled)?;
        let Some(tokens) = tokens else {
            return Self::send(request).await;
        };
        let original: web_sys::Request = request.map_err(|_| ApiFailure::Network)?.into();
        let cached = self
            .connection
            .try_with_value(|connection| connection.token.clone())
            .flatten();
        let token = match cached {
            Some(token) => token,
            None => self.fresh_token(&tokens, false).await?,
        };
        let response = Self::send(with_bearer(&original, &token)).await?;
        if response.status() != 401 {
            return Ok(response);
        }
        // The host may have handed over a token it had kept too long: ask it for a new one, once.
        let token = self.fresh_token(&tokens, true).await?;
        Self::send(with_bearer(&original, &token)).await
    }

    /// A token from the host, kept for the next requests; a host with none has signed the person out.
    async fn fresh_token(
        &self,
        tokens: &TokenSource,
        force_refresh: bool,
    ) -> Result<String, ApiFailure> {
        let token = tokens.token(force_refresh).await;
        self.connection
            .update_value(|connection| connection.token = token.clone());
        match token {
            Some(token) => Ok(token),
            // The host has nobody signed in: the same as a session that ended.
            None => self.noticed(Err(ApiFailure::signed_out())),
        }
    }

    /// Reads `path`. The request is aborted when whatever asked for it goes away (its page is left,
    /// or its resource asks again), so a late answer never lands on the wrong screen.
    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ApiFailure> {
        let abort = abort_on_cleanup();
        let request = Request::get(&self.url(path)?)
            .query(query.iter().copied())
            .header("Accept", "application/json")
            .abort_signal(abort.as_ref())
            .build();
        let response = self.send_signed(request).await.map_err(|failure| {
            if abort.as_ref().is_some_and(AbortSignal::aborted) {
                ApiFailure::Cancelled
            } else {
                failure
            }
        })?;
        self.noticed(decode(response).await)
    }

    /// Downloads `path` as a file: its bytes and the name the server gives it (`fallback` when
    /// it gives none).
    async fn download(
        &self,
        path: &str,
        query: &[(&str, &str)],
        fallback: &str,
    ) -> Result<Download, ApiFailure> {
        let request = Request::get(&self.url(path)?)
            .query(query.iter().copied())
            .header("Accept", "text/csv, application/json")
            .build();
        let response = self.send_signed(request).await?;
        if !response.ok() {
            return self.noticed(Err(failure(web_sys::Response::from(response)).await));
        }
        let filename = response
            .headers()
            .get("content-disposition")
            .and_then(|value| attachment_name(&value))
            .unwrap_or_else(|| fallback.to_owned());
        let response = web_sys::Response::from(response);
        let status = response.status();
        let blob = match response.blob() {
            Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        // A download cut off half-way fails here rather than saving a file that looks whole.
        let blob = blob
            .map_err(|_| ApiFailure::Network)?
            .dyn_into::<web_sys::Blob>()
            .map_err(|_| ApiFailure::Unexpected { status })?;
        Ok(Download { blob, filename })
    }

    /// One page of a searchable list: `?limit=&q=&cursor=`, empty ones left out.
    async fn get_page<T: DeserializeOwned>(
        &self,
        path: &str,
        search: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<T>, ApiFailure> {
        let limit = limit.to_string();
        let mut query = vec![("limit", limit.as_str())];
        if !search.trim().is_empty() {
            query.push(("q", search));
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor));
        }
        self.get(path, &query).await
    }

    /// Passes `result` on, first telling the app when it says the session has ended.
    fn noticed<T>(&self, result: Result<T, ApiFailure>) -> Result<T, ApiFailure> {
        let hook = self
            .connection
            .try_with_value(|connection| connection.on_unauthorized)
            .flatten();
        if let (Err(failure), Some(hook)) = (&result, hook) {
            if failure.code() == Some(ErrorCode::Unauthorized) {
                hook.run(());
            }
        }
        result
    }

    /// Sends a state-changing request of a signed-in user and decodes its answer.
    async fn change<T: DeserializeOwned>(
        &self,
        request: Result<Request, gloo_net::Error>,
    ) -> Result<T, ApiFailure> {
        self.noticed(decode(self.send_signed(request).await?).await)
    }

    /// Like [`Self::change`], for answers without a body (204).
    async fn change_empty(
        &self,
        request: Result<Request, gloo_net::Error>,
    ) -> Result<(), ApiFailure> {
        let response = self.send_signed(request).await?;
        if response.ok() {
            Ok(())
        } else {
            self.noticed(decode::<()>(response).await)
        }
    }

    /// A state-changing request: it carries the anti-forgery header the server requires.
    fn changing(builder: RequestBuilder) -> RequestBuilder {
        builder
            .header("Accept", "application/json")
            .header(CSRF_HEADER, "1")
    }
}

/// A file the API answered, to save.
pub struct Download {
    pub blob: web_sys::Blob,
    pub filename: String,
}

impl Download {
    /// Whether the file is a table of column names and no row (the CSV of a list nothing
    /// matched, which is not worth saving).
    pub async fn has_no_rows(&self) -> bool {
        // Column names fit in a few hundred bytes: a larger file has rows, and is not read here.
        if self.blob.size() > 4096.0 {
            return false;
        }
        let Ok(text) = wasm_bindgen_futures::JsFuture::from(self.blob.text()).await else {
            return false;
        };
        let text = text.as_string().unwrap_or_default();
        text.lines().filter(|line| !line.trim().is_empty()).count() <= 1
    }
}

/// The file name of a `Content-Disposition: attachment; filename="…"` header.
fn attachment_name(header: &str) -> Option<String> {
    let name = header.split("filename=\"").nth(1)?.split('"').next()?;
    // A name with a path in it is not one to save under.
    (!name.is_empty() && !name.contains(['/', '\\'])).then(|| name.to_owned())
}

/// A copy of `request` with `token` as its bearer and no cookie. (A copy: a body can be sent once.)
fn with_bearer(request: &web_sys::Request, token: &str) -> Result<Request, gloo_net::Error> {
    let failed = |_| gloo_net::Error::GlooError("the request could not be signed".to_owned());
    let copy = request.clone().map_err(failed)?;
    let headers = web_sys::Headers::new_with_headers(&copy.headers()).map_err(failed)?;
    headers
        .set("Authorization", &format!("Bearer {token}"))
        .map_err(failed)?;
    let init = web_sys::RequestInit::new();
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_headers(&headers);
    web_sys::Request::new_with_request_and_init(&copy, &init)
        .map(Request::from)
        .map_err(failed)
}

/// A signal that aborts a request when the current reactive owner is cleaned up.
fn abort_on_cleanup() -> Option<AbortSignal> {
    let controller = AbortController::new().ok()?;
    let signal = controller.signal();
    let controller = SendWrapper::new(controller);
    on_cleanup(move || controller.abort());
    Some(signal)
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
    let response = web_sys::Response::from(response);
    let status = response.status();
    if response.ok() {
        return json(&response)
            .await
            .ok_or(ApiFailure::Unexpected { status });
    }
    Err(failure(response).await)
}

/// What a response that is not a success says went wrong.
async fn failure(response: web_sys::Response) -> ApiFailure {
    let status = response.status();
    match json::<ErrorBody>(&response).await {
        Some(body) => ApiFailure::Api {
            status,
            error: body.error,
        },
        None => ApiFailure::Unexpected { status },
    }
}

/// The body as `T`, parsed by the browser's own JSON parser (a JSON parser of our own in the
/// wasm would cost the first page a tenth of its download), or None when it is not a `T`.
async fn json<T: DeserializeOwned>(response: &web_sys::Response) -> Option<T> {
    let promise = response.json().ok()?;
    let value = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// The answer to one of the Managed list's first reads that the page came with (the server's first
/// paint carries them: `dom::take_first_read`), taken once and parsed as [`json`] parses a body.
/// It is given in a task of its own, as an answer from the network would be: given at once, what
/// it draws would join the drawing of the page that asked in one long task, in which the browser
/// can neither paint nor take input (in Lighthouse's mobile trace, one task of 340–400 ms where
/// there were two of about 170).
async fn first_read<T: DeserializeOwned>(read: FirstRead) -> Option<T> {
    let text = crate::dom::take_first_read(read)?;
    next_task().await;
    serde_wasm_bindgen::from_value(js_sys::JSON::parse(&text).ok()?).ok()
}

/// Resumes in a new task of the browser's, after what already waits for the main thread.
async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let queued = web_sys::window()
            .and_then(|window| window.set_timeout_with_callback(&resolve).ok())
            .is_some();
        if !queued {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_explain_themselves() {
        assert!(ApiFailure::Network.message().contains("could not reach"));
        let api = ApiFailure::Api {
            status: 404,
            error: ApiError::new(ErrorCode::NotFound, "No such user."),
        };
        assert_eq!(api.message(), "No such user.");
        assert_eq!(api.code(), Some(ErrorCode::NotFound));
        assert!(ApiFailure::Unexpected { status: 502 }
            .message()
            .contains("502"));
    }

    #[test]
    fn downloads_keep_the_name_the_server_gives_unless_it_has_a_path() {
        let header = "attachment; filename=\"roster-managed-users-2026-11-30.csv\"";
        assert_eq!(
            attachment_name(header).as_deref(),
            Some("roster-managed-users-2026-11-30.csv")
        );
        assert_eq!(attachment_name("attachment; filename=\"../x.csv\""), None);
        assert_eq!(attachment_name("inline"), None);
    }
}
