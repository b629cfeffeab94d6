use std::time::Duration;

use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;

/// How long typing must pause before the search runs, so each keystroke does not fetch.
const DEBOUNCE: Duration = Duration::from_millis(250);

/// A labelled search field. It keeps what is typed locally and reports it after a pause; when the
/// outside value changes (back/forward), the field follows.
#[component]
pub fn SearchBox(
    #[prop(into)] label: String,
    #[prop(into)] value: Signal<String>,
    on_search: Callback<String>,
    #[prop(into)] id: String,
) -> impl IntoView {
    let text = RwSignal::new(value.get_untracked());
    Effect::new(move |_| {
        let outside = value.get();
        if outside != text.get_untracked() {
            text.set(outside);
        }
    });
    let pending: StoredValue<Option<TimeoutHandle>, LocalStorage> = StoredValue::new_local(None);
    let schedule = move |typed: String| {
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(move || on_search.run(typed), DEBOUNCE).ok();
        pending.set_value(handle);
    };
    on_cleanup(move || {
        if let Some(handle) = pending.try_get_value().flatten() {
            handle.clear();
        }
    });
    view! {
        <div class="roster-search">
            <label class="roster-search__label" for=id.clone()>{label}</label>
            <input
                id=id
                class="roster-input"
                type="search"
                autocomplete="off"
                spellcheck="false"
                prop:value=move || text.get()
                on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    text.set(typed.clone());
                    schedule(typed);
                }
                on:keydown=move |ev| {
                    // Enter searches at once.
                    if ev.key() == "Enter" {
                        if let Some(handle) = pending.get_value() {
                            handle.clear();
                        }
                        on_search.run(text.get_untracked());
                    }
                }
            />
        </div>
    }
}
