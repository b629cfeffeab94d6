use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use roster_model::{ErrorCode, SignIn};

use super::use_title;
use crate::api::ApiClient;
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
    let error = RwSignal::new(None::<(Option<String>, String)>);
    let expired = Memo::new(move |_| query.read().get("expired").is_some());

    let submit = Action::new_local(move |credentials: &SignIn| {
        let api = api.clone();
        let credentials = credentials.clone();
        async move { api.sign_in(&credentials).await }
    });
    Effect::new(move |_| {
        if let Some(result) = submit.value().get() {
            match result {
                Ok(me) => {
                    error.set(None);
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
                Err(failure) => {
                    let field = match failure.code() {
                        Some(ErrorCode::BadRequest) | Some(ErrorCode::Unauthorized) => {
                            failure.field()
                        }
                        _ => None,
                    };
                    // The password is cleared after a failure; the email stays as typed.
                    password.set(String::new());
                    error.set(Some((field, failure.message())));
                }
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.dispatch(SignIn {
            email: email.get_untracked(),
            password: password.get_untracked(),
        });
    };
    let error_for = move |field: &'static str| {
        move || {
            error
                .get()
                .filter(|(f, _)| f.as_deref() == Some(field))
                .map(|(_, message)| message)
        }
    };
    let general_error = move || error.get().filter(|(f, _)| f.is_none()).map(|(_, m)| m);

    view! {
        <section class="roster-page roster-login">
            <h1>"Sign in to Roster"</h1>
            {move || expired.get().then(|| view! {
                <p class="roster-notice" role="status">"Your session ended. Sign in again to continue where you were."</p>
            })}
            <form class="roster-form" on:submit=on_submit novalidate>
                <div class="roster-field">
                    <label for="roster-login-email">"Email"</label>
                    <input id="roster-login-email" class="roster-input" type="email" autocomplete="username" required
                        aria-invalid=move || error_for("email")().is_some().to_string()
                        aria-describedby="roster-login-email-error"
                        prop:value=move || email.get()
                        on:input=move |ev| email.set(event_target_value(&ev)) />
                    <p id="roster-login-email-error" class="roster-field__error">{error_for("email")}</p>
                </div>
                <div class="roster-field">
                    <label for="roster-login-password">"Password"</label>
                    <input id="roster-login-password" class="roster-input" type="password" autocomplete="current-password" required
                        aria-invalid=move || error_for("password")().is_some().to_string()
                        aria-describedby="roster-login-password-error"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev)) />
                    <p id="roster-login-password-error" class="roster-field__error">{error_for("password")}</p>
                </div>
                {move || general_error().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
                <button type="submit" class="roster-button" disabled=move || submit.pending().get()>
                    {move || if submit.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}
