use leptos::prelude::*;
use leptos_router::components::Router;

/// The router base path of this mount. Kept in context because leptos_router's `<A>` leaves absolute
/// hrefs as they are, while routes are matched (and `navigate` resolves) under the base.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouterBase(pub String);

/// An app path ("/users/managed") as the href to put on a link, under this mount's router base.
pub fn app_href(path: &str) -> String {
    let base = use_context::<RouterBase>()
        .map(|base| base.0)
        .unwrap_or_default();
    format!("{base}{path}")
}

/// leptos_router's `<Router>` under `base`, with the base also given to [`app_href`].
#[component]
pub fn AppRouter(#[prop(into)] base: String, children: Children) -> impl IntoView {
    provide_context(RouterBase(base.clone()));
    view! { <Router base=base>{children()}</Router> }
}
