//! The standalone page: configuration from index.html's <meta> tags, mounted on <body>. The same
//! bundle loaded by a host page (which calls `mount` itself) starts nothing on its own.

use leptos::prelude::*;
use roster::router::Router;
use roster::{App, AppConfig};

fn main() {
    // A panic ends the app (panic = "abort"): the server's first paint of the list, a picture that
    // takes no clicks, must not stay in its place as if it were the app.
    std::panic::set_hook(Box::new(|info| {
        roster::dom::end_first_paint();
        console_error_panic_hook::hook(info);
    }));
    if !AppConfig::is_standalone_page() {
        return;
    }
    let config = AppConfig::from_document();
    leptos::mount::mount_to_body(move || {
        let router = Router::start(&config);
        view! { <App config=config router=router /> }
    });
}
