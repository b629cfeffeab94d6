//! Routed pages: each reads its state from the URL, fetches through the API client and owns state.

mod accept;
mod account_access;
mod accounts;
mod audit;
mod bulk_remove;
mod change_password;
mod domains;
mod external_access;
mod import;
mod invite;
mod login;
mod not_found;
mod password_reset;
mod tokens;
mod two_factor;
mod user_access;
mod user_detail;
mod user_manage;
mod users;

pub use accept::AcceptPage;
pub use account_access::AccountAccessPage;
pub use accounts::AccountsPage;
pub use audit::AuditPage;
pub use change_password::ChangePasswordPage;
pub use domains::DomainsPage;
pub use import::ImportPage;
pub use invite::InvitePage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use password_reset::PasswordResetPage;
pub use tokens::TokensPage;
pub use two_factor::TwoFactorPage;
pub use user_detail::UserDetailPage;
pub use users::UsersPage;

use leptos::prelude::*;

use crate::config::AppConfig;

/// `path?k=v&…` with values percent-encoded; empty values are left out so URLs stay short.
pub(crate) fn href_with_query(path: &str, pairs: &[(&str, String)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| {
            format!(
                "{key}={}",
                String::from(js_sys::encode_uri_component(value))
            )
        })
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// Sets the document title while a page is shown, when this mount may manage it.
pub(crate) fn use_title(title: impl Fn() -> String + Send + Sync + 'static) {
    let manage = use_context::<AppConfig>().is_some_and(|c| c.manage_title);
    if !manage {
        return;
    }
    Effect::new(move |_| {
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
        preview: LocalResource<Result<T, crate::api::ApiFailure>>,
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
                {move || Suspend::new(async move {
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

/// Managed users a search matches (at most 50), as (id, "Name (email)") choices for a new account
/// owner, leaving out the users `excluded` names (those who are leaving).
pub(crate) fn owner_choices(
    search: RwSignal<String>,
    excluded: impl Fn() -> std::collections::BTreeSet<i64> + 'static,
) -> LocalResource<Result<Vec<(i64, String)>, crate::api::ApiFailure>> {
    let api = expect_context::<crate::api::ApiClient>();
    LocalResource::new(move || {
        let api = api.clone();
        let excluded = excluded();
        let request = crate::api::UserListRequest {
            view: roster_model::UserView::Managed,
            search: search.get(),
            sort: roster_model::SortField::Name,
            dir: roster_model::SortDir::Asc,
            cursor: None,
            limit: 50,
        };
        async move {
            api.users(&request).await.map(|page| {
                page.items
                    .into_iter()
                    .filter(|u| !excluded.contains(&u.id))
                    .map(|u| (u.id, format!("{} ({})", u.display_name(), u.email)))
                    .collect()
            })
        }
    })
}

/// The previous/next links of page `page` of a keyset list. `href(cursor, page)` builds a link;
/// the way back to page 1 drops the cursor, so the first page always has its plain URL.
pub(crate) fn pager_links(
    page: u32,
    prev_cursor: Option<String>,
    next_cursor: Option<String>,
    href: impl Fn(Option<String>, u32) -> String,
) -> (Option<String>, Option<String>) {
    let prev = prev_cursor.map(|cursor| {
        let to = page.saturating_sub(1).max(1);
        href((to > 1).then_some(cursor), to)
    });
    let next = next_cursor.map(|cursor| href(Some(cursor), page + 1));
    (prev, next)
}

/// How many pages `total` items fill at `per_page` a page (at least one, for the empty list).
pub(crate) fn page_count(total: u64, per_page: u32) -> u32 {
    let per_page = u64::from(per_page.max(1));
    u32::try_from(total.div_ceil(per_page).max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::{page_count, pager_links};

    #[test]
    fn pager_links_drop_the_cursor_back_to_page_one() {
        let href =
            |cursor: Option<String>, page: u32| format!("{}@{page}", cursor.unwrap_or_default());
        assert_eq!(
            pager_links(2, Some("b".into()), None, href),
            (Some("@1".into()), None)
        );
        assert_eq!(
            pager_links(3, Some("b".into()), Some("n".into()), href),
            (Some("b@2".into()), Some("n@4".into()))
        );
        assert_eq!(
            pager_links(1, None, Some("n".into()), href),
            (None, Some("n@2".into()))
        );
    }

    #[test]
    fn page_counts() {
        assert_eq!(page_count(0, 25), 1);
        assert_eq!(page_count(25, 25), 1);
        assert_eq!(page_count(26, 25), 2);
        assert_eq!(page_count(100_000, 25), 4000);
    }
}
