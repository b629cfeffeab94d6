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
