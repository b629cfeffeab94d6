use std::collections::BTreeSet;

use leptos::prelude::*;
use roster_model::view_settings::user_table_class;
use roster_model::{AccountRef, SortDir, SortField, UserStatus, UserSummary, UserView};

use super::expiry;
use crate::format;
use crate::router::A;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortState {
    pub field: SortField,
    pub dir: SortDir,
}

/// One column: its header, the sort it offers, and its key when it can be hidden.
type Column = (&'static str, Option<SortField>, Option<&'static str>);

/// The columns a view shows, in order.
fn columns(view: UserView) -> &'static [Column] {
    match view {
        UserView::Managed => &[
            ("Name", Some(SortField::Name), None),
            ("Email", Some(SortField::Email), None),
            ("Role", None, None),
            ("Two-factor", None, Some("two_factor")),
            ("Accounts", None, Some("accounts")),
            ("Joined", Some(SortField::Date), Some("joined")),
            ("Last sign-in", None, Some("last_sign_in")),
        ],
        UserView::External => &[
            ("Name", Some(SortField::Name), None),
            ("Email", Some(SortField::Email), None),
            ("Accounts and roles", None, Some("accounts")),
            ("Two-factor", None, Some("two_factor")),
            ("User since", Some(SortField::Date), None),
        ],
        UserView::Invited => &[
            ("Email", Some(SortField::Email), None),
            ("Name", Some(SortField::Name), None),
            ("Invited by", None, None),
            ("Sent", Some(SortField::Date), None),
            ("Last re-sent", None, None),
            ("Expires", None, None),
        ],
        UserView::Imported => &[
            ("Name", Some(SortField::Name), None),
            ("Email", Some(SortField::Email), None),
            ("Imported", Some(SortField::Date), Some("joined")),
            ("Imported by", None, None),
            ("Two-factor", None, Some("two_factor")),
        ],
    }
}

/// The class of a hideable column's cells.
fn column_class(key: Option<&'static str>) -> Option<String> {
    key.map(|key| format!("roster-col-{key}"))
}

/// A column header that sorts by `field`, saying how the list is sorted now (aria-sort).
pub(crate) fn sort_header(
    label: &'static str,
    field: SortField,
    sort: SortState,
    on_sort: Callback<SortField>,
    class: Option<String>,
) -> impl IntoView {
    let state = (sort.field == field).then_some(sort.dir);
    let aria_sort = state.map(|dir| match dir {
        SortDir::Asc => "ascending",
        SortDir::Desc => "descending",
    });
    let arrow = match state {
        Some(SortDir::Asc) => "▲",
        Some(SortDir::Desc) => "▼",
        None => "↕",
    };
    view! {
        <th scope="col" aria-sort=aria_sort class=class>
            <button type="button" class="roster-sort" data-focus-key=format!("sort-{}", field.as_str())
                on:click=move |_| on_sort.run(field)>
                {label}
                <span class="roster-sort__arrow" aria-hidden="true">{arrow}</span>
            </button>
        </th>
    }
}

/// The user list of one tab, with sortable column headers, and a checkbox per row when the page
/// offers bulk actions (`selection`).
#[component]
pub fn UserTable(
    view: UserView,
    users: Vec<UserSummary>,
    sort: SortState,
    /// Called with the column to sort by; the page decides the direction.
    on_sort: Callback<SortField>,
    #[prop(into)] caption: String,
    #[prop(default = None)] selection: Option<RwSignal<BTreeSet<i64>>>,
    /// The signed-in admin, whose row has no checkbox: bulk actions leave them out.
    #[prop(default = None)]
    unselectable: Option<i64>,
    /// External tab: called to take a user's access to one account (or, with None, to all of the
    /// organization's accounts) away.
    #[prop(default = None)]
    on_remove_access: Option<Callback<(UserSummary, Option<AccountRef>)>>,
    /// Keys of the optional columns (`view_settings::OPTIONAL_COLUMNS`) the admin hid.
    #[prop(optional, into)]
    hidden: Signal<BTreeSet<String>>,
) -> impl IntoView {
    let page_ids: Vec<i64> = users
        .iter()
        .map(|u| u.id)
        .filter(|id| Some(*id) != unselectable)
        .collect();
    let select_all_header = selection.map(|selected| {
        let ids = page_ids.clone();
        let all = page_ids.clone();
        view! {
            <th scope="col">
                <input type="checkbox" class="roster-checkbox" aria-label="Select all users on this page"
                    prop:checked=move || !all.is_empty() && selected.with(|s| all.iter().all(|id| s.contains(id)))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| for id in &ids { if on { s.insert(*id); } else { s.remove(id); } });
                    } />
            </th>
        }
    });
    let headers = columns(view)
        .iter()
        .map(|&(label, field, key)| match field {
            Some(field) => sort_header(label, field, sort, on_sort, column_class(key)).into_any(),
            None => view! { <th scope="col" class=column_class(key)>{label}</th> }.into_any(),
        })
        .collect_view();
    let rows = users
        .into_iter()
        .map(|user| {
            let id = user.id;
            let select = selection.map(|selected| {
                if Some(id) == unselectable {
                    return view! { <td></td> }.into_any();
                }
                let label = format!("Select {}", user.display_name());
                view! {
                    <td>
                        <input type="checkbox" class="roster-checkbox" aria-label=label
                            prop:checked=move || selected.with(|s| s.contains(&id))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                            } />
                    </td>
                }
                .into_any()
            });
            view! { <tr>{select}{cells(view, user, on_remove_access)}</tr> }
        })
        .collect_view();
    view! {
        <div class="roster-table-wrap">
            <table class=move || hidden.with(user_table_class)>
                <caption class="roster-visually-hidden">{caption}</caption>
                <thead><tr>{select_all_header}{headers}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The user's name, linking to their page, and whether they are suspended.
fn name_link(user: &UserSummary) -> impl IntoView {
    let href = format!("/users/{}", user.id);
    let name = user.display_name();
    let suspended = (user.status == UserStatus::Disabled).then(|| {
        view! { " " <span class="roster-badge roster-badge--warning">{UserStatus::Disabled.label()}</span> }
    });
    view! {
        <A href=href attr:class="roster-link">{name}</A>
        {suspended}
    }
}

/// An external user's accounts and roles, each with its own Remove, then Remove all.
fn external_access(
    user: &UserSummary,
    on_remove: Option<Callback<(UserSummary, Option<AccountRef>)>>,
) -> impl IntoView {
    let name = user.display_name();
    let items = user
        .access
        .iter()
        .map(|access| {
            let remove = on_remove.filter(|_| !access.owner).map(|on_remove| {
                let (user, account) = (user.clone(), access.account.clone());
                view! {
                    <button type="button" class="roster-button roster-button--quiet roster-button--small"
                        aria-label=format!("Remove access of {name} to {}", access.account.name)
                        data-focus-key=external_removal_key(user.id, Some(access.account.id))
                        on:click=move |_| on_remove.run((user.clone(), Some(account.clone())))>"Remove"</button>
                }
            });
            view! {
                <li>{format!("{} — {}", access.account.name, access.roles.describe())}" "{remove}</li>
            }
        })
        .collect_view();
    let remove_all = on_remove.map(|on_remove| {
        let user = user.clone();
        view! {
            <button type="button" class="roster-button roster-button--quiet roster-button--small"
                aria-label=format!("Remove all access of {name}")
                data-focus-key=external_removal_key(user.id, None)
                on:click=move |_| on_remove.run((user.clone(), None))>"Remove all access"</button>
        }
    });
    view! { <ul class="roster-plain-list">{items}</ul>{remove_all} }
}

fn cells(
    view: UserView,
    user: UserSummary,
    on_remove_access: Option<Callback<(UserSummary, Option<AccountRef>)>>,
) -> AnyView {
    let two_factor = user.two_factor.label();
    match view {
        UserView::Managed => view! {
            <th scope="row">{name_link(&user)}</th>
            <td>{user.email.clone()}</td>
            <td>{user.org_role.map(|r| r.label()).unwrap_or("—")}</td>
            <td class="roster-col-two_factor">{two_factor}</td>
            <td class="roster-num roster-col-accounts">{user.account_count}</td>
            <td class="roster-col-joined">{format::optional_date(user.joined_at)}</td>
            <td class="roster-col-last_sign_in">{format::optional_date(user.last_sign_in_at)}</td>
        }
        .into_any(),
        UserView::External => view! {
            <th scope="row">{name_link(&user)}</th>
            <td>{user.email.clone()}</td>
            <td class="roster-col-accounts">{external_access(&user, on_remove_access)}</td>
            <td class="roster-col-two_factor">{two_factor}</td>
            <td>{format::date(user.created_at)}</td>
        }
        .into_any(),
        UserView::Invited => {
            let invitation = user.invitation.clone();
            let name = if user.given_name.is_empty() && user.family_name.is_empty() {
                "—".to_owned()
            } else {
                user.display_name()
            };
            let invited_by = invitation
                .as_ref()
                .and_then(|i| i.invited_by.as_ref())
                .map(|by| by.name.clone())
                .unwrap_or_else(|| "—".to_owned());
            let expires = invitation.as_ref().map(|i| expiry(i.expires_at, i.expired));
            view! {
                <th scope="row"><A href=format!("/users/{}", user.id) attr:class="roster-link">{user.email.clone()}</A></th>
                <td>{name}</td>
                <td>{invited_by}</td>
                <td>{format::optional_date(invitation.as_ref().map(|i| i.sent_at))}</td>
                <td>{format::optional_date(invitation.as_ref().and_then(|i| i.last_sent_at))}</td>
                <td>{expires}</td>
            }
            .into_any()
        }
        UserView::Imported => {
            let imported = user.imported.clone();
            view! {
                <th scope="row">{name_link(&user)}</th>
                <td>{user.email.clone()}</td>
                <td class="roster-col-joined">{format::optional_date(imported.as_ref().map(|i| i.imported_at))}</td>
                <td>{imported.and_then(|i| i.imported_by).map(|by| by.name).unwrap_or_else(|| "—".to_owned())}</td>
                <td class="roster-col-two_factor">{two_factor}</td>
            }
            .into_any()
        }
    }
}

/// The focus key of the control that takes an external user's access to an account (or, with
/// none, to all) away, and of the notice that says it was done: when the row goes, focus on the
/// control follows to the notice (`dom::keep_focus_across_redraws`).
pub fn external_removal_key(user_id: i64, account_id: Option<i64>) -> String {
    match account_id {
        Some(account_id) => format!("remove-access-{user_id}-{account_id}"),
        None => format!("remove-access-{user_id}"),
    }
}
