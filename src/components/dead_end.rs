use leptos::prelude::*;

use crate::router::A;

/// Where a mailed link that cannot be used leads: what happened, and the way to sign in.
#[component]
pub fn DeadEnd(#[prop(into)] title: String, #[prop(into)] text: String) -> impl IntoView {
    view! {
        <h1>{title}</h1>
        <p>{text}</p>
        <SignInLink />
    }
}

/// The way on from a mailed link that no longer works (one component, built once).
#[component]
pub fn SignInLink() -> impl IntoView {
    view! { <p><A href="/login" attr:class="roster-link">"Sign in"</A></p> }
}
