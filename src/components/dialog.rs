use crate::reactive::effect;
use leptos::html::Dialog as DialogElement;
use leptos::prelude::*;

/// A modal dialog on the native `<dialog>` element: while open, the rest of the page is inert (focus
/// stays inside), Escape closes it, and focus returns to what opened it.
#[component]
pub fn Dialog(
    /// Unique id; the title gets `<id>-title`.
    #[prop(into)]
    id: String,
    #[prop(into)] title: String,
    #[prop(into)] open: Signal<bool>,
    /// Called when the dialog asks to close (Escape, or its close button).
    on_close: Callback<()>,
    children: ChildrenFn,
) -> impl IntoView {
    let dialog = NodeRef::<DialogElement>::new();
    // What had focus when the dialog opened, to give it back on close.
    let opener: StoredValue<Option<web_sys::HtmlElement>, LocalStorage> =
        StoredValue::new_local(None);
    effect(move || {
        let Some(element) = dialog.get() else {
            return;
        };
        if open.get() {
            if !element.open() {
                let active = crate::dom::active_element_near(&element)
                    .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
                opener.set_value(active);
                let _ = element.show_modal();
            }
        } else if element.open() {
            element.close();
            if let Some(opener) = opener.get_value() {
                let _ = opener.focus();
            }
        }
    });
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <dialog id=id class="roster-dialog" part="dialog" node_ref=dialog aria-labelledby=labelled_by
            on:cancel=move |ev: web_sys::Event| { ev.prevent_default(); on_close.run(()); }>
            <div class="roster-dialog__header">
                <h2 id=title_id>{title}</h2>
                <button type="button" class="roster-button roster-button--quiet" aria-label="Close"
                    on:click=move |_| on_close.run(())>"✕"</button>
            </div>
            {move || open.get().then(|| children())}
        </dialog>
    }
}
