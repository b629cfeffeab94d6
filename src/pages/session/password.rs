use leptos::prelude::*;
use roster_model::{ChangePassword, MIN_PASSWORD_CHARS};

use crate::api::ApiClient;
use crate::components::TextField;
use crate::form::{new_password_error, FormError};
use crate::pages::use_title;
use crate::reactive::{effect, local_action};
use crate::session::SessionState;

/// `/account/password`: the signed-in person replaces their password with the current one. Their
/// other sessions and their API tokens end.
#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    use_title(|| "Change your password".to_owned());
    let api = expect_context::<ApiClient>();
    let session = expect_context::<SessionState>();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let error = FormError::new();
    let changed = RwSignal::new(false);

    let submit = local_action(move |change: &ChangePassword| {
        let change = change.clone();
        async move { api.change_password(&change).await }
    });
    effect(move || match submit.result() {
        Some(Ok(me)) => {
            session.signed_in(me);
            for field in [current, new, confirm] {
                field.set(String::new());
            }
            changed.set(true);
        }
        Some(Err(failure)) => error.from_failure(&failure),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (current_text, new_text) = (current.get_untracked(), new.get_untracked());
        // A hurried repeat of the press that changed it, nothing typed since: it would replace
        // "Your password is changed" with "Enter your current password", which reads as a failure.
        let nothing_typed = current_text.is_empty()
            && new_text.is_empty()
            && confirm.with_untracked(String::is_empty);
        if submit.pending().get_untracked() || (changed.get_untracked() && nothing_typed) {
            return;
        }
        changed.set(false);
        let email = session
            .me_untracked()
            .map(|me| me.user.email)
            .unwrap_or_default();
        if current_text.is_empty() {
            error.set(Some("current_password"), "Enter your current password.");
        } else if let Some((field, problem)) = new_password_error(
            "new_password",
            &new_text,
            &confirm.get_untracked(),
            &current_text,
            &email,
        ) {
            error.set(Some(field), problem);
        } else {
            error.clear();
            submit.dispatch(ChangePassword {
                current_password: current_text,
                new_password: new_text,
            });
        }
    };

    view! {
        <section class="roster-page roster-login">
            <h1>"Change your password"</h1>
            <p class="roster-muted">
                "Your other sessions end, and so do API tokens you created: create new ones after."
            </p>
            <form class="roster-form" on:submit=on_submit novalidate>
                <TextField id="roster-current-password" label="Current password" input_type="password"
                    autocomplete="current-password" value=current error=error.field("current_password") />
                <TextField id="roster-new-password" label="New password" input_type="password"
                    autocomplete="new-password" value=new error=error.field("new_password")
                    hint=format!("At least {MIN_PASSWORD_CHARS} characters.") />
                <TextField id="roster-confirm-password" label="Repeat the new password" input_type="password"
                    autocomplete="new-password" value=confirm error=error.field("confirm") />
                {move || error.general().get().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
                <Show when=move || changed.get()>
                    <p class="roster-notice" role="status">"Your password is changed. Your other sessions have ended."</p>
                </Show>
                // Not `disabled` while it works: that would take keyboard focus away.
                <button type="submit" class="roster-button" aria-disabled=move || submit.pending().get().to_string()>
                    "Change password"
                </button>
            </form>
        </section>
    }
}
