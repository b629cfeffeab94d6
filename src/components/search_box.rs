use crate::reactive::effect;
use leptos::prelude::*;

/// A labelled search field that reports every change at once: no pause to wait out, as the page
/// reads the list again for each and drops the answers that a newer change made stale. When the
/// outside value changes (back/forward), the field follows.
#[component]
pub fn SearchBox(
    #[prop(into)] label: String,
    #[prop(into)] value: Signal<String>,
    on_search: Callback<String>,
    #[prop(into)] id: String,
) -> impl IntoView {
    let text = RwSignal::new(value.get_untracked());
    effect(move || {
        let outside = value.get();
        if outside != text.get_untracked() {
            text.set(outside);
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
                    on_search.run(typed);
                }
            />
        </div>
    }
}
