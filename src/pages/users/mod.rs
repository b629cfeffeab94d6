//! Users: the tabs of the user-management page (`/users/managed`, …) and one user
//! (`/users/42`), with the changes an administrator makes to them.

mod access;
mod bulk_remove;
mod detail;
mod external_access;
mod filters;
mod list;
mod manage;

use leptos::prelude::*;
use roster_model::UserView;

use detail::UserDetailPage;
use list::UsersPage;

use crate::reactive::local_resource;
use crate::router::{use_params_map, Redirect};
use crate::split::{lazy_page, split_page, split_task};

split_page!(admin, fn user_detail_page(id: Signal<i64>) => view! { <UserDetailPage id=id /> });
split_page!(user_dialogs, fn bulk_remove_dialog(
    removing: RwSignal<Option<Vec<i64>>>,
    on_confirm: Callback<roster_model::LeaveRequest>
) => view! { <bulk_remove::BulkRemoveDialog removing=removing on_confirm=on_confirm /> });
split_page!(user_dialogs, fn bulk_actions(
    selected: RwSignal<std::collections::BTreeSet<i64>>,
    all_matching: RwSignal<bool>,
    total: u64,
    run: crate::components::BulkRun,
    on_action: Callback<roster_model::BulkAction>,
    on_remove: Callback<()>
) => view! {
    <crate::components::BulkActions selected=selected all_matching=all_matching total=total run=run
        on_action=on_action on_remove=on_remove />
});
split_page!(user_dialogs, fn user_filters(
    view: Memo<UserView>,
    filters: Memo<roster_model::UserFilters>,
    open: RwSignal<bool>,
    on_change: Callback<roster_model::UserFilters>
) => view! { <filters::Filters view=view filters=filters open=open on_change=on_change /> });
split_task!(user_dialogs, fn export_file(
    api: crate::api::ApiClient,
    request: roster_model::UserListRequest
) -> Result<crate::list::Exported, String> => match api.export_users(&request).await {
    Ok(download) => crate::list::save_unless_empty(download).await,
    Err(failure) => Err(failure.message()),
});
split_page!(user_dialogs, fn column_picker(
    hidden: RwSignal<std::collections::BTreeSet<String>>,
    open: RwSignal<bool>
) => view! {
    {move || open.get().then(|| view! { <crate::components::ColumnPicker hidden=hidden /> })}
});
split_page!(user_dialogs, fn bulk_progress(run: crate::components::BulkRun) => view! {
    <crate::components::BulkProgress run=run />
});
split_page!(invitation_table, fn invitation_table(
    users: Vec<roster_model::UserSummary>,
    sort: crate::components::SortState,
    on_sort: Callback<roster_model::SortField>,
    on_action: Callback<(crate::components::InvitationAction, Vec<i64>)>,
    total: (u64, bool),
    on_all_matching: Callback<crate::components::InvitationAction>,
    busy: Signal<bool>
) => view! {
    <crate::components::InvitationTable users=users sort=sort on_sort=on_sort on_action=on_action
        total=total on_all_matching=on_all_matching busy=busy />
});
split_page!(user_dialogs, fn remove_external_access_dialog(
    removing: RwSignal<Option<(roster_model::UserSummary, Option<roster_model::AccountRef>)>>,
    on_done: Callback<(String, String)>
) => view! { <external_access::RemoveExternalAccessDialog removing=removing on_done=on_done /> });

/// `/users/:key`, named like the API: one user when `key` is an id, else a tab of the
/// user-management page.
#[component]
pub fn UsersRoute() -> impl IntoView {
    let params = use_params_map();
    let key = move || params.read().get("key").unwrap_or_default();
    let user_id = Memo::new(move |_| key().parse::<i64>().ok());
    let view = Memo::new(move |_| UserView::parse(&key()));
    // Only whether the key is an id picks the page: switching tabs, or users, must not rebuild it
    // (the focused tab would be lost).
    let is_user = Memo::new(move |_| user_id.get().is_some());
    move || {
        if is_user.get() {
            let id = Signal::derive(move || user_id.get().unwrap_or_default());
            lazy_page(move || user_detail_page(id)).into_any()
        } else {
            view! { <UsersPage view=view /> }.into_any()
        }
    }
}

/// The old address of a user, `/user/:id`, leads to `/users/:id`.
#[component]
pub fn UserRedirect() -> impl IntoView {
    let params = use_params_map();
    let id = params.read_untracked().get("id").unwrap_or_default();
    view! { <Redirect path=format!("/users/{id}") /> }
}

/// The people a search found, and the new owners already chosen (`chosen`: id → label) that it
/// did not find: an owner picked before another search stays among the choices.
fn with_chosen_owners(
    mut people: Vec<(i64, String)>,
    chosen: &std::collections::BTreeMap<i64, String>,
) -> Vec<(i64, String)> {
    for (id, label) in chosen {
        if !people.iter().any(|(p, _)| p == id) {
            people.push((*id, label.clone()));
        }
    }
    people
}

/// Remembers each new owner picked in `chosen`, but `keeper`: the user keeping the account is
/// offered for it alone, under their own words.
fn remember_owner_pick(
    chosen: RwSignal<std::collections::BTreeMap<i64, String>>,
    keeper: i64,
) -> Callback<(i64, String)> {
    Callback::new(move |(id, label): (i64, String)| {
        if id != keeper {
            chosen.update(|c| {
                c.insert(id, label);
            });
        }
    })
}

/// The owners' choices as read, and why they could not be when they could not.
fn owners_read(
    read: Result<Vec<(i64, String)>, crate::api::ApiFailure>,
) -> (Vec<(i64, String)>, Option<String>) {
    match read {
        Ok(found) => (found, None),
        Err(failure) => (Vec::new(), Some(failure.message())),
    }
}

/// Active managed users a search matches (at most 50), as (id, "Name (email)") choices for a new
/// account owner, leaving out the users `excluded` names (those who are leaving). A suspended
/// member cannot be made an account's new owner, as the server says too.
fn owner_choices(
    search: RwSignal<String>,
    excluded: impl Fn() -> std::collections::BTreeSet<i64> + 'static,
) -> crate::reactive::AppResource<Result<Vec<(i64, String)>, crate::api::ApiFailure>> {
    let api = expect_context::<crate::api::ApiClient>();
    local_resource(move || {
        let excluded = excluded();
        let request = roster_model::UserListRequest {
            view: roster_model::UserView::Managed,
            search: search.get(),
            sort: roster_model::SortField::Name,
            dir: roster_model::SortDir::Asc,
            cursor: None,
            limit: 50,
            filters: roster_model::UserFilters {
                status: Some(roster_model::UserStatus::Active),
                ..Default::default()
            },
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
