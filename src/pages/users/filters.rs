//! The filters of the user lists as a part of the page downloaded when first wanted: it reads the
//! accounts to pick from (while the panel is open) and the chosen account's name (for its chip).

use leptos::prelude::*;
use roster_model::{UserFilters, UserView};

use crate::api::ApiClient;
use crate::components::UserFilterBar;
use crate::reactive::local_resource;

#[component]
pub fn Filters(
    view: Memo<UserView>,
    filters: Memo<UserFilters>,
    open: RwSignal<bool>,
    on_change: Callback<UserFilters>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let account_search = RwSignal::new(String::new());
    let account_matches = local_resource(move || {
        let open = open.get();
        let search = account_search.get();
        async move {
            if !open {
                return Vec::new();
            }
            api.accounts(&search, None, 50)
                .await
                .map(|page| page.items.into_iter().map(|a| (a.id, a.name)).collect())
                .unwrap_or_default()
        }
    });
    // Read again only when the account chosen changes, not with every other filter.
    let chosen_id = Memo::new(move |_| filters.get().account);
    let chosen_account = local_resource(move || {
        let chosen = chosen_id.get();
        async move {
            match chosen {
                Some(id) => api.account(id).await.ok().map(|a| (a.id, a.name)),
                None => None,
            }
        }
    });
    let account_name = Signal::derive(move || chosen_account.get().flatten().map(|(_, name)| name));
    let account_choices = Signal::derive(move || {
        let mut choices = account_matches.get().unwrap_or_default();
        // The chosen account stays a choice whatever the search finds.
        if let Some((id, name)) = chosen_account.get().flatten() {
            if !choices.iter().any(|(c, _)| *c == id) {
                choices.insert(0, (id, name));
            }
        }
        choices
    });
    view! {
        <UserFilterBar view=view filters=filters open=open account_search=account_search
            account_choices=account_choices account_name=account_name on_change=on_change />
    }
}
