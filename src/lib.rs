//! Roster's console: a Leptos client-side app. `main.rs` mounts it on the standalone page;
//! hosts that embed it call [`mount`] with their own element and configuration.

pub mod api;
pub mod components;
pub mod config;
pub mod format;
pub mod pages;

use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Routes};
use leptos_router::path;
use wasm_bindgen::prelude::*;

use crate::api::ApiClient;
use crate::components::{AppRouter, Shell};
pub use crate::config::AppConfig;
use crate::pages::{AccountsPage, DomainsPage, NotFound, UserDetailPage, UsersPage};

/// The whole console. All it depends on arrives in `config`; nothing is global.
#[component]
pub fn App(config: AppConfig) -> impl IntoView {
    let api = ApiClient::new(config.api_base.clone());
    provide_context(api.clone());
    provide_context(config.clone());
    let organization = LocalResource::new(move || {
        let api = api.clone();
        async move { api.organization().await.ok() }
    });
    let org_name = Signal::derive(move || organization.get().flatten().map(|org| org.name));

    view! {
        <AppRouter base=config.router_base.clone()>
            <Shell org_name=org_name>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=|| view! { <Redirect path="/users/managed" /> } />
                    <Route path=path!("/users") view=|| view! { <Redirect path="/users/managed" /> } />
                    <Route path=path!("/users/:view") view=UsersPage />
                    <Route path=path!("/user/:id") view=UserDetailPage />
                    <Route path=path!("/accounts") view=AccountsPage />
                    <Route path=path!("/domains") view=DomainsPage />
                </Routes>
            </Shell>
        </AppRouter>
    }
}

/// A mounted instance; `unmount()` removes it and releases everything it held.
#[wasm_bindgen]
pub struct MountHandle {
    mounted: Option<Box<dyn std::any::Any>>,
}

#[wasm_bindgen]
impl MountHandle {
    pub fn unmount(&mut self) {
        // Dropping Leptos's UnmountHandle removes the view and disposes its reactive owner.
        self.mounted.take();
    }
}

/// Mounts Roster into `element`. `config` is `{ apiBase, routerBase, manageTitle }`; missing keys
/// take the standalone defaults. Each call is independent: the same page may mount Roster twice.
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, config: JsValue) -> Result<MountHandle, JsError> {
    let config: AppConfig = if config.is_undefined() || config.is_null() {
        AppConfig::default()
    } else {
        serde_wasm_bindgen::from_value(config)
            .map_err(|e| JsError::new(&format!("Roster configuration: {e}")))?
    };
    let config = config.normalized();
    let handle = leptos::mount::mount_to(element, move || view! { <App config=config /> });
    Ok(MountHandle {
        mounted: Some(Box::new(handle)),
    })
}
