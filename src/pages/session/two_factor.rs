use leptos::prelude::*;
use roster_model::{ErrorCode, TwoFactorEnrolled, TwoFactorSetup};

use crate::api::ApiClient;
use crate::components::{CopyButton, TextField};
use crate::form::FormError;
use crate::pages::use_title;
use crate::reactive::{effect, local_action};
use crate::session::SessionState;

/// Where set-up stands: not begun, waiting for a code from the app, or done (recovery codes shown).
#[derive(Clone)]
enum Stage {
    Start,
    Confirm(TwoFactorSetup),
    Done(TwoFactorEnrolled),
}

/// Two-factor sign-in for the signed-in user: set up with a QR code (or the key typed in),
/// confirmed with a code, ending with one-time recovery codes. With `required`, it stands in
/// front of every page until done, as the organization demands.
#[component]
pub fn TwoFactorPage(#[prop(optional)] required: bool) -> impl IntoView {
    use_title(|| "Two-factor sign-in".to_owned());
    let api = expect_context::<ApiClient>();
    let session = expect_context::<SessionState>();
    let stage = RwSignal::new(Stage::Start);
    let code = RwSignal::new(String::new());
    // Asked again before set-up: whoever finds a session open must not put their own
    // authenticator in front of the account. Never kept as a draft.
    let password = RwSignal::new(String::new());
    let error = FormError::new();
    let enrolled = move || session.me().is_some_and(|me| me.two_factor_enrolled);

    // A conflict is either "already set up" (enrolled meanwhile, in another tab) or "no set-up
    // waiting for a code" (begun again elsewhere, or signed in anew): the session, read again,
    // tells which. Enrolled, the page says so (and a required set-up lets the page asked for
    // appear); else it starts over with the reason and the button to begin again.
    let recheck = local_action(move |reason: &String| {
        let reason = reason.clone();
        async move { (api.session().await, reason) }
    });
    effect(move || match recheck.result() {
        Some((Ok(me), _)) if me.two_factor_enrolled => {
            error.clear();
            code.set(String::new());
            stage.set(Stage::Start);
            session.signed_in(me);
        }
        Some((_, reason)) => {
            code.set(String::new());
            stage.set(Stage::Start);
            error.set(None, reason);
        }
        None => {}
    });
    let begin = local_action(move |password: &String| {
        let password = password.clone();
        async move { api.begin_two_factor_setup(&password).await }
    });
    effect(move || match begin.result() {
        Some(Ok(setup)) => {
            error.clear();
            code.set(String::new());
            password.set(String::new());
            stage.set(Stage::Confirm(setup));
        }
        Some(Err(failure)) if failure.code() == Some(ErrorCode::Conflict) => {
            recheck.dispatch(failure.message());
        }
        Some(Err(failure)) => {
            // A wrong guess empties the field, as sign-in does.
            if failure.field().as_deref() == Some("current_password") {
                password.set(String::new());
            }
            error.from_failure(&failure);
        }
        None => {}
    });
    let on_begin = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = password.get_untracked();
        if typed.is_empty() {
            error.set(
                Some("current_password"),
                "Enter your password to set up two-factor sign-in.",
            );
        } else {
            begin.dispatch(typed);
        }
    };
    let confirm = local_action(move |code: &String| {
        let code = code.clone();
        async move { api.confirm_two_factor(&code).await }
    });
    effect(move || match confirm.result() {
        Some(Ok(done)) => {
            error.clear();
            stage.set(Stage::Done(done));
        }
        // The set-up this page showed is no longer the session's: see `recheck`.
        Some(Err(failure)) if failure.code() == Some(ErrorCode::Conflict) => {
            recheck.dispatch(failure.message());
        }
        Some(Err(failure)) => {
            code.set(String::new());
            error.from_failure(&failure);
        }
        None => {}
    });
    let on_confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = code.get_untracked();
        if typed.trim().is_empty() {
            error.set(Some("code"), "Enter the 6-digit code your app shows.");
        } else {
            confirm.dispatch(typed);
        }
    };
    // The session learns of the enrolment only when the user has seen the recovery codes: for a
    // required enrolment that is what lets the page they asked for appear.
    // Back to the start, which then says two-factor sign-in is on (the codes leave the screen),
    // and takes the focus "Done" had.
    let focus_notice = RwSignal::new(false);
    let finish = move |done: TwoFactorEnrolled| {
        focus_notice.set(true);
        stage.set(Stage::Start);
        session.signed_in(done.me);
    };

    let start = move || {
        view! {
            {required.then(|| view! {
                <p class="roster-notice" role="status">
                    "Your organization requires two-factor sign-in. Set it up to continue: you will need an authenticator app on your phone or computer."
                </p>
            })}
            <p>
                "With two-factor sign-in, signing in takes your password and a code from an authenticator app (such as 1Password, Google Authenticator, Microsoft Authenticator or Authy), so a stolen password is not enough."
            </p>
            <form class="roster-form" on:submit=on_begin novalidate>
                <TextField id="roster-two-factor-password" label="Your password" input_type="password"
                    autocomplete="current-password" value=password error=error.field("current_password")
                    hint="Asked again before anything changes how you sign in." />
                {move || error.general().get().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
                <div class="roster-form__actions">
                    <button type="submit" class="roster-button" disabled=move || begin.pending().get() || recheck.pending().get()>
                        "Set up two-factor"
                    </button>
                </div>
            </form>
        }
    };
    let scan = move |setup: TwoFactorSetup| {
        let secret = setup.secret.clone();
        let grouped = group_in_fours(&setup.secret);
        // In place of the form whose button had focus: the steps take it, and are read out.
        let steps = NodeRef::<leptos::html::Ol>::new();
        effect(move || {
            if let Some(steps) = steps.get() {
                crate::dom::focus_if_fell(&steps);
            }
        });
        view! {
            <ol class="roster-steps" tabindex="-1" aria-label="Set-up steps" node_ref=steps>
                <li>
                    <p>"Scan this QR code with your authenticator app."</p>
                    <img class="roster-two-factor__qr" src=setup.qr_code alt="QR code to add Roster to an authenticator app" width="200" height="200" />
                    <p>"Can’t scan it? Add an account in the app by hand with this key:"</p>
                    <p><code class="roster-two-factor__secret" data-secret=secret.clone()>{grouped}</code></p>
                    <CopyButton text=Signal::derive(move || secret.clone()) label="Copy key" />
                </li>
                <li>
                    <form class="roster-form" on:submit=on_confirm novalidate>
                        <TextField id="roster-two-factor-code" label="Code from your app" autocomplete="one-time-code"
                            inputmode="numeric" value=code error=error.field("code")
                            hint="The app shows a new 6-digit code every 30 seconds." />
                        {move || error.general().get().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
                        <div class="roster-form__actions">
                            <button type="submit" class="roster-button" disabled=move || confirm.pending().get() || recheck.pending().get()>
                                "Turn on two-factor"
                            </button>
                        </div>
                    </form>
                </li>
            </ol>
        }
    };
    let done = move |enrolled: TwoFactorEnrolled| {
        let codes_text = enrolled.recovery_codes.join("\n");
        let download = format!(
            "data:text/plain;charset=utf-8,{}",
            String::from(js_sys::encode_uri_component(&format!(
                "Roster recovery codes for {}\nEach code works once.\n\n{codes_text}\n",
                enrolled.me.user.email
            )))
        );
        let items = enrolled
            .recovery_codes
            .iter()
            .map(|code| view! { <li><code>{code.clone()}</code></li> })
            .collect_view();
        let continue_label = if required {
            "Continue to Roster"
        } else {
            "Done"
        };
        // In place of the step whose button had focus: the words that it is on take it.
        let turned_on = NodeRef::<leptos::html::P>::new();
        effect(move || {
            if let Some(turned_on) = turned_on.get() {
                crate::dom::focus_if_fell(&turned_on);
            }
        });
        view! {
            <p class="roster-notice" role="status" tabindex="-1" node_ref=turned_on>"Two-factor sign-in is on. From now on, signing in asks for a code from your app. You were signed out everywhere else."</p>
            <h2>"Your recovery codes"</h2>
            <p>
                "If you lose your phone, sign in with one of these codes instead of an app code. Each works once. "
                <strong>"Save them now somewhere safe: they are not shown again."</strong>
            </p>
            <ol class="roster-recovery-codes" aria-label="Recovery codes">{items}</ol>
            <div class="roster-form__actions">
                <CopyButton text=Signal::derive(move || codes_text.clone()) label="Copy codes" />
                <a class="roster-button roster-button--quiet" href=download download="roster-recovery-codes.txt">"Download codes"</a>
                <button type="button" class="roster-button" on:click=move |_| finish(enrolled.clone())>
                    {continue_label}
                </button>
            </div>
        }
    };

    view! {
        <section class="roster-page roster-two-factor">
            <h1>"Two-factor sign-in"</h1>
            {move || match stage.get() {
                Stage::Done(enrolled) => done(enrolled).into_any(),
                Stage::Confirm(setup) => scan(setup).into_any(),
                Stage::Start if enrolled() => {
                    let notice = NodeRef::<leptos::html::P>::new();
                    effect(move || {
                        if let (true, Some(notice)) = (focus_notice.get_untracked(), notice.get()) {
                            let _ = notice.focus();
                        }
                    });
                    view! {
                        <p class="roster-notice" role="status" tabindex="-1" node_ref=notice>"Two-factor sign-in is on for you. Signing in asks for a code from your authenticator app, or one of your recovery codes."</p>
                    }.into_any()
                }
                Stage::Start => start().into_any(),
            }}
        </section>
    }
}

/// "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP": easier to read and type.
fn group_in_fours(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .filter_map(|chunk| std::str::from_utf8(chunk).ok())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::group_in_fours;

    #[test]
    fn secrets_read_in_groups_of_four() {
        assert_eq!(group_in_fours("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(group_in_fours("ABCDEF"), "ABCD EF");
        assert_eq!(group_in_fours(""), "");
    }
}
