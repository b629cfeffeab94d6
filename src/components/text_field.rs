use crate::reactive::effect;
use leptos::html::Input;
use leptos::prelude::*;

/// A labelled input with an optional hint and the error about it, both tied to the input with
/// aria-describedby; aria-invalid is set while there is an error. A new error moves keyboard focus
/// to its field, so a screen reader reads the label, the invalid state and the message together.
/// `focus` moves focus to it when it appears (for a field that replaces the one the user was
/// typing in).
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(default = "text")] inputmode: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] focus: bool,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = match hint {
        Some(_) => format!("{hint_id} {error_id}"),
        None => error_id.clone(),
    };
    let input = NodeRef::<Input>::new();
    if focus {
        effect(move || {
            if let Some(input) = input.get() {
                let _ = input.focus();
            }
        });
    }
    Effect::new(move |before: Option<Option<String>>| {
        let now = error.get();
        if now.is_some() && before.flatten() != now {
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
        }
        now
    });
    view! {
        <div class="roster-field">
            <label for=id.clone()>{label}</label>
            <input id=id class="roster-input" type=input_type autocomplete=autocomplete inputmode=inputmode
                node_ref=input
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described_by
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
            {hint.map(|hint| view! { <p id=hint_id class="roster-muted">{hint}</p> })}
            <p id=error_id class="roster-field__error">{move || error.get()}</p>
        </div>
    }
}
