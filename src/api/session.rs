//! Signing in and out, one's password, two-factor enrolment, and the organization signed in to.

use super::{decode, ApiClient, ApiFailure};
use gloo_net::http::Request;
use roster_model::{
    first_page_reads, ChangePassword, ConfirmTwoFactor, Me, Organization, SignIn,
    TwoFactorEnrolled, TwoFactorSetup, FIRST_PAGE_PRELOADED,
};
use wasm_bindgen::JsCast;

impl ApiClient {
    /// Who is signed in; `Unauthorized` when nobody is (an answer here, not a session that ended).
    pub async fn session(&self) -> Result<Me, ApiFailure> {
        let request = Request::get(&self.url("/session")?)
            .header("Accept", "application/json")
            .build();
        decode(self.send_signed(request).await?).await
    }

    /// Takes, and drops, the Managed list's first page and tab counts the page was preloaded with
    /// (the server does so for a signed-in admin and says so by [`FIRST_PAGE_PRELOADED`]), when
    /// the app will not read them itself: the browser would hand them to the first identical
    /// request, made after someone else signs in on this page. A request for the same URL takes a
    /// preload even while it still downloads.
    pub fn drop_first_page_preloads(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let preloaded = window.performance().is_some_and(|performance| {
            performance
                .get_entries_by_type("navigation")
                .iter()
                .filter_map(|entry| {
                    entry
                        .dyn_into::<web_sys::PerformanceNavigationTiming>()
                        .ok()
                })
                .flat_map(|navigation| navigation.server_timing().to_vec())
                .filter_map(|entry| entry.dyn_into::<web_sys::PerformanceServerTiming>().ok())
                .any(|entry| entry.name() == FIRST_PAGE_PRELOADED)
        });
        if !preloaded {
            return;
        }
        for (path, query) in first_page_reads() {
            let Ok(url) = self.url(path) else {
                return;
            };
            // As gloo-net writes a request's query (`get`): the preload is only taken by the same
            // bytes.
            let url = match web_sys::UrlSearchParams::new() {
                Ok(params) if !query.is_empty() => {
                    for (name, value) in &query {
                        params.append(name, value);
                    }
                    format!("{url}?{}", String::from(params.to_string()))
                }
                _ => url,
            };
            let taken = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&url));
            leptos::task::spawn_local(async move {
                let _ = taken.await;
            });
        }
    }

    pub async fn sign_in(&self, credentials: &SignIn) -> Result<Me, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/session")?)).json(credentials);
        decode(Self::send(request).await?).await
    }

    pub async fn change_password(&self, change: &ChangePassword) -> Result<Me, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/session/password")?)).json(change);
        decode(Self::send(request).await?).await
    }

    /// Starts two-factor set-up: a new secret and its QR code, waiting for a confirming code.
    pub async fn begin_two_factor_setup(&self) -> Result<TwoFactorSetup, ApiFailure> {
        let request =
            Self::changing(Request::post(&self.url("/session/two-factor/setup")?)).build();
        self.change(request).await
    }

    pub async fn confirm_two_factor(&self, code: &str) -> Result<TwoFactorEnrolled, ApiFailure> {
        let body = ConfirmTwoFactor {
            code: code.to_owned(),
        };
        let request = Self::changing(Request::post(&self.url("/session/two-factor")?)).json(&body);
        self.change(request).await
    }

    pub async fn sign_out(&self) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::delete(&self.url("/session")?)).build();
        let response = Self::send(request).await?;
        // A session that had already ended is signed out all the same.
        if response.ok() || response.status() == 401 {
            Ok(())
        } else {
            decode::<()>(response).await
        }
    }

    pub async fn organization(&self) -> Result<Organization, ApiFailure> {
        self.get("/organization", &[]).await
    }
}
