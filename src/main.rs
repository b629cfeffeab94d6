//! The standalone page: configuration from index.html's <meta> tags, mounted on <body>.

use leptos::prelude::*;
use roster::{App, AppConfig};

fn main() {
    console_error_panic_hook::set_once();
    let config = AppConfig::from_document();
    leptos::mount::mount_to_body(move || view! { <App config=config /> });
}
