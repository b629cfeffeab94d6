//! What a mount of Roster is configured with. Everything host-specific comes from here, never from
//! constants or globals, so the app can run standalone or embedded, mounted twice, and remounted.

use std::collections::BTreeSet;

use roster_model::view_settings::{
    hidden_columns, kept_hidden_columns, HIDDEN_COLUMNS_KEY, THEME_KEY, UTC_OFFSET_KEY,
};
pub use roster_model::Theme;
use send_wrapper::SendWrapper;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlDocument;

use crate::router::Routing;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppConfig {
    /// Where the JSON API lives, e.g. "/api/v1" or "https://roster.example.com/api/v1".
    pub api_base: String,
    /// The path the app's routes live under, e.g. "" standalone or "/settings/users" embedded.
    pub router_base: String,
    /// Whether the route lives in the browser's URL or in the console alone.
    pub routing: Routing,
    /// Where a memory-routed console starts (a path-routed one when the URL is not under its
    /// base), e.g. "/users/invited"; the list of managed users when none.
    pub initial_path: Option<String>,
    /// Whether the app may set the document title (standalone: yes; embedded: the host decides).
    pub manage_title: bool,
    /// The host's `getToken`: who is signed in comes from the host, not from Roster's own sign-in.
    #[serde(skip)]
    pub get_token: Option<TokenSource>,
    /// The colour theme a host chose (standalone, the admin chooses, remembered per browser).
    pub theme: Theme,
    /// Roster's own page: it offers the theme switch and remembers the choice.
    #[serde(skip)]
    pub standalone: bool,
}

/// A host function answering (a Promise of) a bearer token; called with `{ forceRefresh: true }`
/// when the token it gave last was refused.
#[derive(Clone)]
pub struct TokenSource(SendWrapper<js_sys::Function>);

impl TokenSource {
    pub fn new(function: js_sys::Function) -> Self {
        TokenSource(SendWrapper::new(function))
    }

    /// A token from the host, or None when it has none (or its function fails).
    pub async fn token(&self, force_refresh: bool) -> Option<String> {
        let options = js_sys::Object::new();
        if force_refresh {
            js_sys::Reflect::set(&options, &"forceRefresh".into(), &JsValue::TRUE).ok()?;
        }
        let answer = self.0.call1(&JsValue::NULL, &options).ok()?;
        let value = match answer.dyn_into::<js_sys::Promise>() {
            Ok(promise) => JsFuture::from(promise).await.ok()?,
            Err(value) => value,
        };
        value.as_string().filter(|token| !token.trim().is_empty())
    }
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("TokenSource")
    }
}

impl PartialEq for TokenSource {
    fn eq(&self, other: &Self) -> bool {
        let (mine, theirs): (&JsValue, &JsValue) = (&self.0, &other.0);
        mine == theirs
    }
}

impl Eq for TokenSource {}

/// The theme the admin chose on this browser, if any (localStorage may be refused: then none).
pub fn stored_theme() -> Option<Theme> {
    let storage = web_sys::window()?.local_storage().ok()??;
    Theme::from_name(&storage.get_item(THEME_KEY).ok()??)
}

/// Remembers the admin's theme on this browser.
pub fn store_theme(theme: Theme) {
    keep(THEME_KEY, theme.name());
}

/// The optional columns of the user lists the admin hid on this browser.
pub fn stored_hidden_columns() -> BTreeSet<String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|storage| storage.get_item(HIDDEN_COLUMNS_KEY).ok().flatten())
        .map(|kept| hidden_columns(&kept))
        .unwrap_or_default()
}

/// Remembers the hidden columns on this browser.
pub fn store_hidden_columns(hidden: &BTreeSet<String>) {
    keep(HIDDEN_COLUMNS_KEY, &kept_hidden_columns(hidden));
}

/// Tells the server's first paint of the list the browser's time zone, for its dates (Roster's own
/// page only).
pub fn store_utc_offset() {
    let minutes = js_sys::Date::new_0().get_timezone_offset();
    set_standalone_cookie(UTC_OFFSET_KEY, &format!("{minutes:.0}"));
}

/// Keeps a view setting in localStorage, and in a cookie of the same name for the server's first
/// paint.
fn keep(key: &str, value: &str) {
    if let Some(Ok(Some(storage))) = web_sys::window().map(|window| window.local_storage()) {
        let _ = storage.set_item(key, value);
    }
    set_standalone_cookie(key, value);
}

/// Sets a cookie of Roster's own page for a year; never on a host's page (its cookies are the
/// host's). The values are Roster's own names and numbers: nothing to escape.
fn set_standalone_cookie(name: &str, value: &str) {
    if !AppConfig::is_standalone_page() {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let secure = match window.location().protocol().as_deref() {
        Ok("https:") => "; Secure",
        _ => "",
    };
    if let Some(document) = window
        .document()
        .and_then(|d| d.dyn_into::<HtmlDocument>().ok())
    {
        let _ = document.set_cookie(&format!(
            "{name}={value}; Path=/; Max-Age=31536000; SameSite=Lax{secure}"
        ));
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            api_base: "/api/v1".to_owned(),
            router_base: String::new(),
            routing: Routing::Path,
            initial_path: None,
            manage_title: true,
            get_token: None,
            theme: Theme::Auto,
            standalone: false,
        }
    }
}

impl AppConfig {
    /// Whether the embedding host signs people in (it gave `getToken`), not Roster itself.
    pub fn host_signs_in(&self) -> bool {
        self.get_token.is_some()
    }

    /// Trailing slashes removed, so paths can be appended with a leading "/".
    pub fn normalized(mut self) -> Self {
        while self.api_base.ends_with('/') {
            self.api_base.pop();
        }
        while self.router_base.ends_with('/') {
            self.router_base.pop();
        }
        self
    }

    /// Whether this document is Roster's own page (index.html says so), rather than a host's.
    pub fn is_standalone_page() -> bool {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| {
                d.query_selector("meta[name=\"roster-standalone\"]")
                    .ok()
                    .flatten()
            })
            .is_some()
    }

    /// The standalone page's configuration: `<meta name="roster-api-base">` and
    /// `<meta name="roster-router-base">` in index.html, defaults where absent.
    pub fn from_document() -> Self {
        let meta = |name: &str| {
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| {
                    d.query_selector(&format!("meta[name=\"{name}\"]"))
                        .ok()
                        .flatten()
                })
                .and_then(|el| el.get_attribute("content"))
        };
        let defaults = AppConfig::default();
        AppConfig {
            api_base: meta("roster-api-base").unwrap_or(defaults.api_base),
            router_base: meta("roster-router-base").unwrap_or(defaults.router_base),
            standalone: true,
            ..defaults
        }
        .normalized()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_slashes_are_removed() {
        let config = AppConfig {
            api_base: "https://x.example/api/v1/".into(),
            router_base: "/embed/".into(),
            manage_title: false,
            ..AppConfig::default()
        }
        .normalized();
        assert_eq!(config.api_base, "https://x.example/api/v1");
        assert_eq!(config.router_base, "/embed");
    }

    #[test]
    fn host_config_is_camel_case_with_defaults() {
        let config: AppConfig = serde_json::from_str(r#"{"apiBase": "/roster/api/v1"}"#).unwrap();
        assert_eq!(config.api_base, "/roster/api/v1");
        assert_eq!(config.router_base, "");
        assert!(config.manage_title);
        assert_eq!(config.theme, Theme::Auto);
        assert!(!config.standalone);
        assert_eq!(config.routing, Routing::Path);
        assert_eq!(config.initial_path, None);
        let memory: AppConfig =
            serde_json::from_str(r#"{"routing": "memory", "initialPath": "/users/invited"}"#)
                .unwrap();
        assert_eq!(memory.routing, Routing::Memory);
        assert_eq!(memory.initial_path.as_deref(), Some("/users/invited"));
        assert!(serde_json::from_str::<AppConfig>(r#"{"routing": "hash"}"#).is_err());
        let dark: AppConfig = serde_json::from_str(r#"{"theme": "dark"}"#).unwrap();
        assert_eq!(dark.theme, Theme::Dark);
        assert!(serde_json::from_str::<AppConfig>(r#"{"theme": "sepia"}"#).is_err());
    }
}
