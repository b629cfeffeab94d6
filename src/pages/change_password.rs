use leptos::prelude::*;
use roster_model::{new_password_problem, ChangePassword};

use super::use_title;
use crate::api::ApiClient;
use crate::session::SessionState;

/// After a password reset: the user chooses a new password before anything else. Shown in place of
/// the page they asked for, which appears as soon as the new password is set.
#[component]
pub fn ChangePasswordPage(#[prop(into)] email: String) -> impl IntoView {
    use_title(|| "Choose a new password".to_owned());
    let api = expect_context::<ApiClient>();
    let session = expect_context::<SessionState>();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    // (field, message); field None is a general error.
    let error = RwSignal::new(None::<(Option<String>, String)>);

    let submit = Action::new_local(move |change: &ChangePassword| {
        let api = api.clone();
        let change = change.clone();
        async move { api.change_password(&change).await }
    });
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(me)) => session.signed_in(me),
        Some(Err(failure)) => error.set(Some((failure.field(), failure.message()))),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (current_text, new_text) = (current.get_untracked(), new.get_untracked());
        if let Some(problem) = new_password_problem(&new_text, &current_text, &email) {
            error.set(Some((Some("new_password".to_owned()), problem)));
        } else if new_text != confirm.get_untracked() {
            error.set(Some((
                Some("confirm".to_owned()),
                "The two new passwords differ.".to_owned(),
            )));
        } else {
            error.set(None);
            submit.dispatch(ChangePassword {
                current_password: current_text,
                new_password: new_text,
            });
        }
    };
    let error_for = move |field: &'static str| {
        move || {
            error
                .get()
                .filter(|(f, _)| f.as_deref() == Some(field))
                .map(|(_, m)| m)
        }
    };
    let invalid = move |field: &'static str| move || error_for(field)().is_some().to_string();
    let general_error = move || error.get().filter(|(f, _)| f.is_none()).map(|(_, m)| m);

    view! {
        <section class="roster-page roster-login">
            <h1>"Choose a new password"</h1>
            <p class="roster-notice" role="status">
                "Your password was reset by an administrator. Choose a new one to continue; your other sessions will end."
            </p>
            <form class="roster-form" on:submit=on_submit novalidate>
                <div class="roster-field">
                    <label for="roster-current-password">"Current password"</label>
                    <input id="roster-current-password" class="roster-input" type="password" autocomplete="current-password"
                        aria-invalid=invalid("current_password") aria-describedby="roster-current-password-error"
                        prop:value=move || current.get() on:input=move |ev| current.set(event_target_value(&ev)) />
                    <p id="roster-current-password-error" class="roster-field__error">{error_for("current_password")}</p>
                </div>
                <div class="roster-field">
                    <label for="roster-new-password">"New password"</label>
                    <input id="roster-new-password" class="roster-input" type="password" autocomplete="new-password"
                        aria-invalid=invalid("new_password") aria-describedby="roster-new-password-hint roster-new-password-error"
                        prop:value=move || new.get() on:input=move |ev| new.set(event_target_value(&ev)) />
                    <p id="roster-new-password-hint" class="roster-muted">
                        {format!("At least {} characters.", roster_model::MIN_PASSWORD_CHARS)}
                    </p>
                    <p id="roster-new-password-error" class="roster-field__error">{error_for("new_password")}</p>
                </div>
                <div class="roster-field">
                    <label for="roster-confirm-password">"Repeat the new password"</label>
                    <input id="roster-confirm-password" class="roster-input" type="password" autocomplete="new-password"
                        aria-invalid=invalid("confirm") aria-describedby="roster-confirm-password-error"
                        prop:value=move || confirm.get() on:input=move |ev| confirm.set(event_target_value(&ev)) />
                    <p id="roster-confirm-password-error" class="roster-field__error">{error_for("confirm")}</p>
                </div>
                {move || general_error().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
                <button type="submit" class="roster-button" disabled=move || submit.pending().get()>
                    "Set new password"
                </button>
            </form>
        </section>
    }
}
