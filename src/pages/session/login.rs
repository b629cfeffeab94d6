use leptos::prelude::*;
use roster_model::{ErrorCode, SignIn};

use crate::api::ApiClient;
use crate::components::TextField;
use crate::form::{FormError, CODE_NEEDED};
use crate::pages::use_title;
use crate::reactive::{effect, local_action};
use crate::router::use_query_map;
use crate::session::{safe_next, use_enter};

/// Sign-in: email and password, then — for a user enrolled in two-factor — a code from their
/// authenticator app or a recovery code.
#[component]
pub fn LoginPage() -> impl IntoView {
    use_title(|| "Sign in".to_owned());
    let api = expect_context::<ApiClient>();
    let enter = use_enter();
    let query = use_query_map();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    // The password was right and the server asks for the second factor.
    let asks_code = RwSignal::new(false);
    let error = FormError::new();
    let expired = Memo::new(move |_| query.read().get("expired").is_some());

    let submit = local_action(move |credentials: &SignIn| {
        let credentials = credentials.clone();
        async move { api.sign_in(&credentials).await }
    });
    effect(move || match submit.result() {
        Some(Ok(me)) => {
            error.clear();
            let next = safe_next(query.get_untracked().get("next"));
            enter(me, &next);
        }
        Some(Err(failure)) => match failure.code() {
            Some(ErrorCode::TwoFactorCodeRequired) => {
                error.clear();
                asks_code.set(true);
            }
            Some(ErrorCode::BadRequest | ErrorCode::InvalidValue | ErrorCode::Unauthorized) => {
                // A wrong code is typed again; a wrong password sends back to the first step.
                if failure.field().as_deref() == Some("code") {
                    code.set(String::new());
                } else {
                    password.set(String::new());
                    asks_code.set(false);
                }
                error.from_failure(&failure);
            }
            // Not about what was typed (a pause, a busy server, the network): all of it stays,
            // but a code, which may be spent or stale by the next try.
            _ => {
                code.set(String::new());
                error.set(None, failure.message());
            }
        },
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if submit.pending().get_untracked() {
            return;
        }
        let code = code.get_untracked();
        if asks_code.get_untracked() && code.trim().is_empty() {
            // Said next to the field (which takes focus), where the server's "code required"
            // answer changed nothing on the page.
            error.set(Some("code"), CODE_NEEDED);
            return;
        }
        submit.dispatch(SignIn {
            email: email.get_untracked(),
            password: password.get_untracked(),
            code: asks_code.get_untracked().then_some(code),
        });
    };
    // Back to the first step from the second: the email field takes the focus "Use another
    // account" had (it goes with the step).
    let started_over = RwSignal::new(false);
    let start_over = move |_| {
        started_over.set(true);
        asks_code.set(false);
        password.set(String::new());
        code.set(String::new());
        error.clear();
    };
    let button_label = move || match (submit.pending().get(), asks_code.get()) {
        (true, _) => "Signing in…",
        (false, true) => "Verify",
        (false, false) => "Sign in",
    };

    view! {
        <section class="roster-page roster-login">
            <h1>"Sign in to Roster"</h1>
            {move || expired.get().then(|| view! {
                <p class="roster-notice" role="status">"Your session ended. Sign in again to continue where you were."</p>
            })}
            <form class="roster-form" on:submit=on_submit novalidate>
                <Show
                    when=move || asks_code.get()
                    fallback=move || view! {
                        <TextField id="roster-login-email" label="Email" input_type="email" autocomplete="username"
                            value=email error=error.field("email") focus=started_over.get_untracked() />
                        <TextField id="roster-login-password" label="Password" input_type="password" autocomplete="current-password"
                            value=password error=error.field("password") />
                    }
                >
                    <h2 class="roster-login__step">"Two-factor authentication"</h2>
                    <p class="roster-muted">{move || format!("Signing in as {}.", email.get())}</p>
                    <TextField id="roster-login-code" label="Authentication code" autocomplete="one-time-code"
                        value=code error=error.field("code") focus=true
                        hint="The 6-digit code from your authenticator app, or one of your recovery codes." />
                </Show>
                {move || error.general().get().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
                <div class="roster-form__actions">
                    // Not `disabled` while it works: that would take keyboard focus away.
                    <button type="submit" class="roster-button" aria-disabled=move || submit.pending().get().to_string()>
                        {button_label}
                    </button>
                    {move || asks_code.get().then(|| view! {
                        <button type="button" class="roster-button roster-button--quiet" on:click=start_over>
                            "Use another account"
                        </button>
                    })}
                </div>
            </form>
        </section>
    }
}
