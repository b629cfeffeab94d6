use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// Copies `text` to the clipboard and says so for a moment (also to screen readers).
#[component]
pub fn CopyButton(
    #[prop(into)] text: Signal<String>,
    /// The button's words, e.g. "Copy key".
    #[prop(into)]
    label: String,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let on_click = move |_| {
        let text = text.get_untracked();
        spawn_local(async move {
            let Some(window) = web_sys::window() else {
                return;
            };
            let promise = window.navigator().clipboard().write_text(&text);
            let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            copied.set(Some(ok));
            set_timeout(move || copied.set(None), Duration::from_secs(3));
        });
    };
    view! {
        <button type="button" class="roster-button roster-button--quiet" on:click=on_click>{label}</button>
        <span class="roster-muted" role="status">
            {move || match copied.get() {
                Some(true) => "Copied.",
                Some(false) => "Copying was blocked: select the text and copy it yourself.",
                None => "",
            }}
        </span>
    }
}
