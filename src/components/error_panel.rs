use leptos::prelude::*;

/// A failure the admin can act on: what went wrong, and a way to try again.
#[component]
pub fn ErrorPanel(
    #[prop(into)] message: String,
    /// Called when the admin presses "Try again".
    on_retry: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="roster-error" role="alert">
            <p class="roster-error__message">{message}</p>
            <button type="button" class="roster-button" on:click=move |_| on_retry.run(())>
                "Try again"
            </button>
        </div>
    }
}
