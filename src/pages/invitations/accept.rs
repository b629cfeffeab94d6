use leptos::prelude::*;
use roster_model::{
    name_problem, AcceptInvitation, AcceptedInvitation, ErrorCode, ExternalAccess, InvitationOffer,
    InvitationPreview, InvitationState, MIN_PASSWORD_CHARS,
};

use crate::api::ApiClient;
use crate::components::{DeadEnd, SignInLink, TextField};
use crate::form::{new_password_error, FormError, CODE_NEEDED};
use crate::format;
use crate::pages::{use_title, MailedLink};
use crate::reactive::{effect, local_action, local_resource};
use crate::router::use_params_map;
use crate::session::use_enter;

const ACCEPT_TITLE: &str = "Accept an invitation";
/// The page's heading and title once access to accounts alone was given.
const GRANTED: &str = "You have access";

/// `/accept/:token`, reached from an invitation email without a session: shows what the
/// invitation offers and accepts it — a new person chooses a name and password, an existing user
/// signs in — or says plainly why the link no longer works.

#[component]
pub fn AcceptPage() -> impl IntoView {
    use_title(|| ACCEPT_TITLE.to_owned());
    let api = expect_context::<ApiClient>();
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let preview = local_resource(move || {
        let token = token.get();
        async move { api.invitation(&token).await }
    });
    let page = MailedLink {
        loading: "Opening the invitation…",
        title: "Accept an invitation",
        unknown: "This invitation link does not work",
    };
    view! {
        <section class="roster-page roster-login">
            {page.view(preview, move |preview| match preview {
                InvitationPreview { state: InvitationState::Pending, offer: Some(invitation) } => {
                    view! { <AcceptForm token=token.get_untracked() invitation=invitation /> }.into_any()
                }
                preview => unavailable(preview.state).into_any(),
            })}
        </section>
    }
}

/// Why a link no longer works. The server says only its state, so the page names nobody.
fn unavailable(state: InvitationState) -> impl IntoView {
    let (title, text) = match state {
        InvitationState::Expired => (
            "This invitation has expired",
            "Ask the person who invited you to send the invitation again.",
        ),
        InvitationState::Accepted => (
            "This invitation was already accepted",
            "If it was yours, sign in to continue, or use the accounts it gave you.",
        ),
        InvitationState::Revoked => (
            "This invitation was withdrawn",
            "An administrator revoked it. Ask the person who invited you if you still need access.",
        ),
        // Pending, yet offering nothing: joining needs the address on a verified domain of the
        // organization, which it no longer has.
        InvitationState::Pending => (
            "This invitation can no longer be accepted",
            "The organization no longer has your address's domain verified. Ask the person who invited you.",
        ),
    };
    view! { <DeadEnd title=title text=text /> }
}

#[component]
fn AcceptForm(token: String, invitation: InvitationOffer) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let enter = use_enter();
    let given = RwSignal::new(String::new());
    let family = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let asks_code = RwSignal::new(false);
    let error = FormError::new();
    // The link stopped working after the form was shown (used in another tab, withdrawn, ...):
    // the way on is to sign in.
    let link_ended = RwSignal::new(false);
    let existing = invitation.existing_user;
    let account_only = invitation.account_only;
    let email = invitation.email.clone();
    // Access to accounts alone: what was granted, shown in place of the form.
    let granted = RwSignal::new(None::<ExternalAccess>);

    use_title(move || {
        let title = granted.with(|granted| granted.as_ref().map_or(ACCEPT_TITLE, |_| GRANTED));
        title.to_owned()
    });
    let submit = local_action(move |accept: &AcceptInvitation| {
        let accept = accept.clone();
        async move { api.accept_invitation(&accept).await }
    });
    effect(move || match submit.result() {
        Some(Ok(AcceptedInvitation::External(access))) => granted.set(Some(access)),
        Some(Ok(AcceptedInvitation::Member(me))) => {
            enter(me, "/users/managed");
        }
        Some(Err(failure)) => {
            if failure.code() == Some(ErrorCode::TwoFactorCodeRequired) {
                error.clear();
                asks_code.set(true);
            } else {
                if failure.field().as_deref() == Some("code") {
                    code.set(String::new());
                }
                link_ended.set(failure.code() == Some(ErrorCode::Conflict));
                error.from_failure(&failure);
            }
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
            if !existing {
                if let Some((field, problem)) =
                    name_problem(&given.get_untracked(), &family.get_untracked())
                {
                    error.set(Some(field), problem);
                    return;
                }
                if let Some((field, problem)) =
                    new_password_error("password", &typed, &confirm.get_untracked(), "", &email)
                {
                    error.set(Some(field), problem);
                    return;
                }
            }
            let code = code.get_untracked();
            if asks_code.get_untracked() && code.trim().is_empty() {
                error.set(Some("code"), CODE_NEEDED);
                return;
            }
            error.clear();
            submit.dispatch(AcceptInvitation {
                token: token.clone(),
                given_name: given.get_untracked(),
                family_name: family.get_untracked(),
                password: typed,
                code: (!code.trim().is_empty()).then_some(code),
            });
        }
    };
    let accounts = invitation
        .accounts
        .iter()
        .map(|a| view! { <li>{format!("{} — {}", a.name, a.roles.describe())}</li> })
        .collect_view();
    let inviter = invitation
        .invited_by
        .clone()
        .unwrap_or_else(|| "An administrator".to_owned());

    let (title, what) = if account_only {
        (
            format!("Access to accounts of {}", invitation.organization),
            format!("{inviter} invited {} to accounts of {}. You get access to these accounts only, as an external user: you do not join the organization.", invitation.email, invitation.organization),
        )
    } else {
        (
            format!("Join {}", invitation.organization),
            format!(
                "{inviter} invited {} to join {} on Roster as a managed user.",
                invitation.email, invitation.organization
            ),
        )
    };
    let granted_heading = NodeRef::<leptos::html::H1>::new();
    effect(move || {
        if let Some(heading) = granted_heading.get() {
            let _ = heading.focus();
        }
    });
    let accept_label = match (existing, account_only) {
        (true, _) => "Sign in and accept",
        (false, true) => "Accept",
        (false, false) => "Accept and join",
    };
    let form = view! {
        <h1>{title}</h1>
        <p>{what}</p>
        {(!invitation.accounts.is_empty()).then(|| view! {
            <p>"You will have access to:"</p>
            <ul class="roster-plain-list">{accounts}</ul>
        })}
        <p class="roster-muted">{format!("The invitation expires on {}.", format::date(invitation.expires_at))}</p>
        <form class="roster-form" on:submit=on_submit novalidate>
            {if existing {
                view! {
                    <p>{format!("You already have a user as {email}. Sign in to accept.")}</p>
                    <TextField id="roster-accept-password" label="Password" input_type="password"
                        autocomplete="current-password" value=password error=error.field("password") />
                    <Show when=move || asks_code.get()>
                        <TextField id="roster-accept-code" label="Authentication code" autocomplete="one-time-code"
                            value=code error=error.field("code") focus=true
                            hint="The 6-digit code from your authenticator app, or one of your recovery codes." />
                    </Show>
                }.into_any()
            } else {
                view! {
                    <TextField id="roster-accept-given" label="Given name" autocomplete="given-name"
                        value=given error=error.field("given_name") />
                    <TextField id="roster-accept-family" label="Family name" autocomplete="family-name"
                        value=family error=error.field("family_name") />
                    <TextField id="roster-accept-password" label="Choose a password" input_type="password"
                        autocomplete="new-password" value=password error=error.field("password")
                        hint=format!("At least {MIN_PASSWORD_CHARS} characters.") />
                    <TextField id="roster-accept-confirm" label="Repeat the password" input_type="password"
                        autocomplete="new-password" value=confirm error=error.field("confirm") />
                }.into_any()
            }}
            {move || error.general().get().map(|message| view! {
                <p class="roster-error" role="alert">{message}</p>
                {link_ended.get().then(SignInLink)}
            })}
            <div class="roster-form__actions">
                // Not `disabled` while it works: that would take keyboard focus away.
                <button type="submit" class="roster-button" aria-disabled=move || submit.pending().get().to_string()>
                    {accept_label}
                </button>
            </div>
        </form>
    };
    view! {
        <div hidden=move || granted.with(Option::is_some)>{form}</div>
        // In place of the form, whose button had focus: the heading takes it, and is read out.
        {move || granted.get().map(|access| view! {
                <h1 tabindex="-1" node_ref=granted_heading>{GRANTED}</h1>
                <p>{format!("You can now use these accounts of {} as an external user:", access.organization)}</p>
                <ul class="roster-plain-list">
                    {access.accounts.into_iter().map(|a| view! { <li>{format!("{} — {}", a.name, a.roles.describe())}</li> }).collect_view()}
                </ul>
                <p class="roster-muted">"Sign in where you use these accounts. You can close this page."</p>
        })}
    }
}
