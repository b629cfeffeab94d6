use leptos::prelude::*;
use roster_model::{
    CompletePasswordReset, ErrorCode, LinkState, PasswordResetPreview, MIN_PASSWORD_CHARS,
};

use crate::api::ApiClient;
use crate::components::{DeadEnd, SignInLink, TextField};
use crate::form::{new_password_error, FormError, CODE_NEEDED};
use crate::format;
use crate::pages::{use_title, MailedLink};
use crate::reactive::{effect, local_action, local_resource};
use crate::router::use_params_map;
use crate::session::use_enter;

/// `/password/:token`, reached from the mail an administrator's password reset sends, without a
/// session: the person chooses a new password (with their two-factor code when enrolled) and is
/// signed in — or is told plainly why the link no longer works.
#[component]
pub fn PasswordResetPage() -> impl IntoView {
    use_title(|| "Choose a new password".to_owned());
    let api = expect_context::<ApiClient>();
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let preview = local_resource(move || {
        let token = token.get();
        async move { api.password_reset(&token).await }
    });
    let page = MailedLink {
        loading: "Opening the link…",
        title: "Choose a new password",
        unknown: "This link does not work",
    };
    view! {
        <section class="roster-page roster-login">
            {page.view(preview, move |link| {
                if link.state == LinkState::Pending {
                    view! { <PasswordResetForm token=token.get_untracked() link=link /> }.into_any()
                } else {
                    unusable(link.state).into_any()
                }
            })}
        </section>
    }
}

fn unusable(state: LinkState) -> impl IntoView {
    let (title, text) = match state {
        LinkState::Used => (
            "This link was used already",
            "Your new password is set: sign in with it.",
        ),
        LinkState::Expired | LinkState::Pending => (
            "This link has expired",
            "Ask an administrator of your organization to reset your password again.",
        ),
    };
    view! { <DeadEnd title=title text=text /> }
}

#[component]
fn PasswordResetForm(token: String, link: PasswordResetPreview) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let enter = use_enter();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let error = FormError::new();
    // The link stopped working after the form was shown (used in another tab, withdrawn, ...):
    // the way on is to sign in.
    let link_ended = RwSignal::new(false);
    let email = link.email.clone().unwrap_or_default();
    let two_factor = link.two_factor;

    let submit = local_action(move |complete: &CompletePasswordReset| {
        let complete = complete.clone();
        async move { api.complete_password_reset(&complete).await }
    });
    effect(move || match submit.result() {
        Some(Ok(me)) => {
            enter(me, "/users/managed");
        }
        Some(Err(failure)) => {
            if failure.field().as_deref() == Some("code") {
                code.set(String::new());
            }
            link_ended.set(failure.code() == Some(ErrorCode::Conflict));
            error.from_failure(&failure);
        }
        None => {}
    });
    let on_submit = {
        let email = email.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if submit.pending().get_untracked() {
                return;
            }
            let typed = password.get_untracked();
            if let Some((field, problem)) =
                new_password_error("password", &typed, &confirm.get_untracked(), "", &email)
            {
                error.set(Some(field), problem);
                return;
            }
            let code = code.get_untracked();
            if two_factor && code.trim().is_empty() {
                error.set(Some("code"), CODE_NEEDED);
                return;
            }
            error.clear();
            submit.dispatch(CompletePasswordReset {
                token: token.clone(),
                password: typed,
                code: two_factor.then_some(code),
            });
        }
    };
    let whose = match &link.organization {
        Some(organization) => format!("An administrator of {organization} reset the password of {email}. Choose a new one to sign in."),
        None => format!("The password of {email} was reset. Choose a new one to sign in."),
    };

    view! {
        <h1>"Choose a new password"</h1>
        <p>{whose}</p>
        {link.expires_at.map(|at| view! { <p class="roster-muted">{format!("This link works once and expires on {}.", format::date(at))}</p> })}
        <form class="roster-form" on:submit=on_submit novalidate>
            // Lets password managers file the new password under the right account.
            <input type="hidden" autocomplete="username" prop:value=email.clone() />
            <TextField id="roster-reset-password" label="New password" input_type="password"
                autocomplete="new-password" value=password error=error.field("password")
                hint=format!("At least {MIN_PASSWORD_CHARS} characters.") />
            <TextField id="roster-reset-confirm" label="Repeat the new password" input_type="password"
                autocomplete="new-password" value=confirm error=error.field("confirm") />
            {two_factor.then(|| view! {
                <TextField id="roster-reset-code" label="Authentication code" autocomplete="one-time-code"
                    value=code error=error.field("code")
                    hint="Your two-factor sign-in stays as it was: the 6-digit code from your authenticator app, or one of your recovery codes." />
            })}
            {move || error.general().get().map(|message| view! {
                <p class="roster-error" role="alert">{message}</p>
                {link_ended.get().then(SignInLink)}
            })}
            <div class="roster-form__actions">
                // Not `disabled` while it works: that would take keyboard focus away.
                <button type="submit" class="roster-button" aria-disabled=move || submit.pending().get().to_string()>
                    "Set password and sign in"
                </button>
            </div>
        </form>
    }
}
