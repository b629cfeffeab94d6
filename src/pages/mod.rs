//! Routed pages: each reads its state from the URL, fetches through the API client and owns state.

mod accounts;
mod audit;
mod domains;
mod import;
mod invitations;
mod not_found;
mod password_resets;
mod scim;
mod session;
mod tokens;
mod users;

pub use accounts::{AccountAccessPage, AccountsPage};
pub use audit::AuditPage;
pub use domains::DomainsPage;
pub use import::ImportPage;
pub use invitations::{AcceptPage, InvitePage};
pub use not_found::NotFound;
pub use password_resets::PasswordResetPage;
pub use scim::ScimPage;
pub use session::{ChangePasswordPage, LoginPage, TwoFactorPage};
pub use tokens::TokensPage;
pub use users::{UserRedirect, UsersRoute};

use leptos::prelude::*;

use crate::config::AppConfig;
use crate::reactive::{effect, suspend};
use crate::split::split_page;

// The first page is the sign-in or the Managed list: every other page's code is a chunk of its
// own, downloaded when it is first shown.
split_page!(admin, pub fn accounts_page() => view! { <AccountsPage /> });
split_page!(admin, pub fn account_access_page() => view! { <AccountAccessPage /> });
split_page!(admin, pub fn audit_page() => view! { <AuditPage /> });
split_page!(admin, pub fn domains_page() => view! { <DomainsPage /> });
split_page!(admin, pub fn import_page() => view! { <ImportPage /> });
split_page!(admin, pub fn invite_page() => view! { <InvitePage /> });
split_page!(mailed_link, pub fn accept_page() => view! { <AcceptPage /> });
split_page!(mailed_link, pub fn password_reset_page() => view! { <PasswordResetPage /> });
split_page!(admin, pub fn tokens_page() => view! { <TokensPage /> });
split_page!(admin, pub fn scim_page() => view! { <ScimPage /> });
split_page!(admin, pub fn two_factor_page() => view! { <TwoFactorPage /> });
split_page!(admin, pub fn required_two_factor_page() => view! { <TwoFactorPage required=true /> });
split_page!(admin, pub fn change_password_page() => view! { <ChangePasswordPage /> });

/// Sets the document title while a page is shown, when this mount may manage it.
pub(crate) fn use_title(title: impl Fn() -> String + Send + Sync + 'static) {
    let manage = use_context::<AppConfig>().is_some_and(|c| c.manage_title);
    if !manage {
        return;
    }
    effect(move || {
        let text = format!("{} · Roster", title());
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(&text);
        }
    });
}

/// What a page opened from a mailed link says for each answer about its token.
pub(crate) struct MailedLink {
    /// While the link is looked up.
    pub loading: &'static str,
    /// The page's heading when the look-up failed and can be retried.
    pub title: &'static str,
    /// The heading for a token the server does not know.
    pub unknown: &'static str,
}

impl MailedLink {
    /// The page body for the link whose look-up is `preview`: `show` once it has answered, a dead
    /// end for an unknown token, or the failure with a way to try again.
    pub fn view<T>(
        self,
        preview: crate::reactive::AppResource<Result<T, crate::api::ApiFailure>>,
        show: impl Fn(T) -> AnyView + Copy + Send + Sync + 'static,
    ) -> impl IntoView
    where
        T: Clone + Send + Sync + 'static,
    {
        let MailedLink {
            loading,
            title,
            unknown,
        } = self;
        view! {
            <Transition fallback=move || view! { <p class="roster-loading" role="status">{loading}</p> }>
                {move || suspend(async move {
                    match preview.await {
                        Ok(answer) => show(answer),
                        Err(failure) if failure.code() == Some(roster_model::ErrorCode::NotFound) => {
                            view! { <crate::components::DeadEnd title=unknown text=failure.message() /> }.into_any()
                        }
                        Err(failure) => view! {
                            <h1>{title}</h1>
                            <crate::components::ErrorPanel message=failure.message()
                                on_retry=Callback::new(move |()| preview.refetch()) />
                        }.into_any(),
                    }
                })}
            </Transition>
        }
    }
}
