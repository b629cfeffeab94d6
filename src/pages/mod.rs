//! Routed pages: each reads its state from the URL, fetches through the API client and owns state.

mod accounts;
mod audit;
mod change_password;
mod domains;
mod login;
mod not_found;
mod tokens;
mod user_detail;
mod users;

pub use accounts::AccountsPage;
pub use audit::AuditPage;
pub use change_password::ChangePasswordPage;
pub use domains::DomainsPage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use tokens::TokensPage;
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

/// How many pages `total` items fill at `per_page` a page (at least one, for the empty list).
pub(crate) fn page_count(total: u64, per_page: u32) -> u32 {
    let per_page = u64::from(per_page.max(1));
    u32::try_from(total.div_ceil(per_page).max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::page_count;

    #[test]
    fn page_counts() {
        assert_eq!(page_count(0, 25), 1);
        assert_eq!(page_count(25, 25), 1);
        assert_eq!(page_count(26, 25), 2);
        assert_eq!(page_count(100_000, 25), 4000);
    }
}
