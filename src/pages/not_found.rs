use leptos::prelude::*;

use crate::pages::use_title;
use crate::router::A;

#[component]
pub fn NotFound() -> impl IntoView {
    use_title(|| "Page not found".to_owned());
    view! {
        <section class="roster-page">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p><A href="/users/managed" attr:class="roster-link">"Go to User management"</A></p>
        </section>
    }
}
