use crate::dom::{focus_after_retry, if_focus_left, RetriedAt};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;

/// A failure the admin can act on: what went wrong, and a way to try again.
#[component]
pub fn ErrorPanel(
    #[prop(into)] message: String,
    /// Called when the admin presses "Try again".
    on_retry: Callback<()>,
) -> impl IntoView {
    // Where the panel stood when "Try again" was pressed. The panel goes when the answer comes,
    // and with it its button and the keyboard's focus, which then goes to what took its place
    // rather than back to the top of the page; unless the admin moved focus away meanwhile.
    let retried: Rc<RefCell<Option<RetriedAt>>> = Rc::default();
    on_cleanup({
        let retried = SendWrapper::new(Rc::clone(&retried));
        move || {
            let at = retried.borrow_mut().take();
            if let Some(at) = at {
                focus_after_retry(at);
            }
        }
    });
    let on_blur = {
        let retried = Rc::clone(&retried);
        move |event: web_sys::FocusEvent| {
            let button = event
                .current_target()
                .and_then(|button| button.dyn_into::<web_sys::Element>().ok());
            if let Some(button) = button {
                let retried = Rc::clone(&retried);
                if_focus_left(button, move || {
                    retried.replace(None);
                });
            }
        }
    };
    let on_click = move |event: web_sys::MouseEvent| {
        let panel = event
            .current_target()
            .and_then(|button| button.dyn_into::<web_sys::Element>().ok())
            .and_then(|button| button.parent_element());
        if let Some(at) = panel.as_ref().and_then(RetriedAt::of) {
            retried.replace(Some(at));
        }
        on_retry.run(());
    };
    view! {
        <div class="roster-error" role="alert">
            <p class="roster-error__message">{message}</p>
            <button type="button" class="roster-button" on:click=on_click on:blur=on_blur>
                "Try again"
            </button>
        </div>
    }
}

/// A page that fails as a whole: its content (children) renders `Result`s, and a failure replaces
/// it with the page's heading, what went wrong and a way to try again.
#[component]
pub fn FailureBoundary(
    /// The page's heading while it shows the failure.
    title: &'static str,
    on_retry: Callback<()>,
    children: Children,
) -> impl IntoView {
    view! {
        <ErrorBoundary fallback=move |errors| {
            let message = move || {
                errors.with(|errors| {
                    errors
                        .iter()
                        .next()
                        .map(|(_, error)| error.to_string())
                        .unwrap_or_default()
                })
            };
            view! {
                <h1>{title}</h1>
                {move || view! { <ErrorPanel message=message() on_retry=on_retry /> }}
            }
        }>
            {children()}
        </ErrorBoundary>
    }
}
