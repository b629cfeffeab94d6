use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use roster_model::{ErrorCode, SignIn};

use super::use_title;
use crate::api::ApiClient;
use crate::components::TextField;
use crate::form::FormError;
use crate::session::{safe_next, SessionState};

#[component]
pub fn LoginPage() -> impl IntoView {
    use_title(|| "Sign in".to_owned());
    let api = expect_context::<ApiClient>();
    let session = expect_context::<SessionState>();
    let navigate = use_navigate();
    let query = use_query_map();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = FormError::new();
    let expired = Memo::new(move |_| query.read().get("expired").is_some());

    let submit = Action::new_local(move |credentials: &SignIn| {
        let api = api.clone();
        let credentials = credentials.clone();
        async move { api.sign_in(&credentials).await }
    });
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(me)) => {
            error.clear();
            session.signed_in(me);
            let next = safe_next(query.get_untracked().get("next"));
            navigate(
                &next,
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
        Some(Err(failure)) => {
            // The password is cleared after a failure; the email stays as typed.
            password.set(String::new());
            match failure.code() {
                Some(ErrorCode::BadRequest | ErrorCode::Unauthorized) => {
                    error.from_failure(&failure)
                }
                _ => error.set(None, failure.message()),
            }
        }
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.dispatch(SignIn {
            email: email.get_untracked(),
            password: password.get_untracked(),
        });
    };

    view! {
        <section class="roster-page roster-login">
            <h1>"Sign in to Roster"</h1>
            {move || expired.get().then(|| view! {
                <p class="roster-notice" role="status">"Your session ended. Sign in again to continue where you were."</p>
            })}
            <form class="roster-form" on:submit=on_submit novalidate>
                <TextField id="roster-login-email" label="Email" input_type="email" autocomplete="username"
                    value=email error=error.field("email") />
                <TextField id="roster-login-password" label="Password" input_type="password" autocomplete="current-password"
                    value=password error=error.field("password") />
                {move || error.general().get().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
                <button type="submit" class="roster-button" disabled=move || submit.pending().get()>
                    {move || if submit.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}
