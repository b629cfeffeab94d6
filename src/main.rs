//! The standalone page: configuration from index.html's <meta> tags, mounted on <body>. The same
//! bundle loaded by a host page (which calls `mount` itself) starts nothing on its own.

use leptos::prelude::*;
use roster::router::Router;
use roster::{App, AppConfig};

fn main() {
    console_error_panic_hook::set_once();
    if !AppConfig::is_standalone_page() {
        return;
    }
    let config = AppConfig::from_document();
    leptos::mount::mount_to_body(move || {
        let router = Router::start(&config);
        view! { <App config=config router=router /> }
    });
}
