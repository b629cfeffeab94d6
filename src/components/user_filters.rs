//! The filters of a user list: a panel of choices, and the filters set as removable chips; and
//! the choice of the columns shown.

use std::collections::BTreeSet;

use leptos::prelude::*;
use roster_model::{
    AccountRole, LastSignIn, OrgRole, TwoFactorState, UserFilter, UserFilters, UserStatus, UserView,
};

use roster_model::view_settings::OPTIONAL_COLUMNS;

/// The id of the filter panel, for the toggle that shows it.
pub const FILTER_PANEL_ID: &str = "roster-user-filters";
/// The toolbar's "Filters" button: where focus goes when a filter's chip, or all of them, go.
pub const FILTERS_BUTTON_ID: &str = "roster-user-filters-button";
/// The id of the column choices, for the toggle that shows them.
pub const COLUMN_PANEL_ID: &str = "roster-user-columns";

/// The choices of one filter as `(value in the URL, words)`, after "Any".
fn choices(filter: UserFilter) -> Vec<(&'static str, &'static str)> {
    match filter {
        UserFilter::Role => OrgRole::ALL.map(|r| (r.as_str(), r.label())).to_vec(),
        UserFilter::AccountRole => AccountRole::ALL.map(|r| (r.as_str(), r.label())).to_vec(),
        UserFilter::TwoFactor => TwoFactorState::ALL
            .map(|s| (s.as_str(), s.label()))
            .to_vec(),
        // Members are active or suspended; "invited" (no password yet) is the API's alone.
        UserFilter::Status => [UserStatus::Active, UserStatus::Disabled]
            .map(|s| (s.as_str(), s.label()))
            .to_vec(),
        UserFilter::LastSignIn => LastSignIn::ALL.map(|s| (s.as_str(), s.label())).to_vec(),
        UserFilter::Account => Vec::new(),
    }
}

/// The filters a tab offers.
fn offered(view: UserView) -> Vec<UserFilter> {
    UserFilter::ALL
        .into_iter()
        .filter(|f| f.offered_on(view))
        .collect()
}

/// The filters of a list: the panel of choices while `open`, and the filters set as chips that
/// each take one away. Every change reports the whole set of filters at once; the account is
/// picked from the matches of a search the page runs.
#[component]
pub fn UserFilterBar(
    #[prop(into)] view: Signal<UserView>,
    #[prop(into)] filters: Signal<UserFilters>,
    #[prop(into)] open: Signal<bool>,
    /// What the admin typed to find an account.
    account_search: RwSignal<String>,
    /// The accounts the search matches, as (id, name), the chosen one among them.
    #[prop(into)]
    account_choices: Signal<Vec<(i64, String)>>,
    /// The chosen account's name, once known.
    #[prop(into)]
    account_name: Signal<Option<String>>,
    on_change: Callback<UserFilters>,
) -> impl IntoView {
    let focus_by_id = crate::dom::use_focus_by_id();
    let set = move |filter: UserFilter, value: String| {
        let mut next = filters.get_untracked();
        // The options offer only values the filter takes.
        if next.set(filter, &value).is_ok() {
            on_change.run(next);
        }
    };
    let is = move |filter: UserFilter, value: &str| {
        filters.with(|f| f.get(filter).unwrap_or_default() == value)
    };
    let field = move |filter: UserFilter| {
        let id = format!("roster-filter-{}", filter.name());
        if filter == UserFilter::Account {
            return view! {
                <div class="roster-filters__field">
                    <label for="roster-filter-account-search">"Find an account"</label>
                    <input id="roster-filter-account-search" class="roster-input" type="search" autocomplete="off"
                        prop:value=move || account_search.get()
                        on:input=move |ev| account_search.set(event_target_value(&ev)) />
                    <label for=id.clone()>{filter.label()}</label>
                    <select id=id class="roster-input" on:change=move |ev| set(filter, event_target_value(&ev))>
                        <option value="" prop:selected=move || is(filter, "")>"Any account"</option>
                        {move || account_choices.get().into_iter().map(|(account, name)| {
                            let value = account.to_string();
                            let chosen = value.clone();
                            view! { <option value=value prop:selected=move || is(filter, &chosen)>{name}</option> }
                        }).collect_view()}
                    </select>
                </div>
            }
            .into_any();
        }
        let options = choices(filter)
            .into_iter()
            .map(|(value, words)| {
                view! { <option value=value prop:selected=move || is(filter, value)>{words}</option> }
            })
            .collect_view();
        view! {
            <div class="roster-filters__field">
                <label for=id.clone()>{filter.label()}</label>
                <select id=id class="roster-input" on:change=move |ev| set(filter, event_target_value(&ev))>
                    <option value="" prop:selected=move || is(filter, "")>"Any"</option>
                    {options}
                </select>
            </div>
        }
        .into_any()
    };
    let panel = move || {
        open.get().then(|| {
            view! {
                <div id=FILTER_PANEL_ID class="roster-filters" role="group" aria-label="Filters">
                    {move || offered(view.get()).into_iter().map(field).collect_view()}
                </div>
            }
        })
    };
    let chip = move |filter: UserFilter| {
        let words = Signal::derive(move || {
            let value = match (filter, account_name.get()) {
                (UserFilter::Account, Some(name)) => name,
                _ => filters.with(|f| f.value_label(filter)).unwrap_or_default(),
            };
            format!("{}: {value}", filter.label())
        });
        view! {
            <li>
                // The visible words start the accessible name (WCAG 2.5.3); the cross is drawn by CSS.
                <button type="button" class="roster-chip"
                    aria-label=move || format!("{}, remove filter", words.get())
                    on:click=move |_| {
                        on_change.run(filters.get_untracked().without(filter));
                        focus_by_id(FILTERS_BUTTON_ID);
                    }>
                    {words}
                </button>
            </li>
        }
    };
    let chips = move || {
        let set: Vec<UserFilter> = UserFilter::ALL
            .into_iter()
            .filter(|f| filters.with(|filters| filters.get(*f).is_some()))
            .collect();
        (!set.is_empty()).then(|| {
            view! {
                <ul class="roster-chips" aria-label="Filters set">
                    {set.into_iter().map(chip).collect_view()}
                    <li>
                        <button type="button" class="roster-button roster-button--quiet"
                            on:click=move |_| {
                                on_change.run(UserFilters::default());
                                focus_by_id(FILTERS_BUTTON_ID);
                            }>"Clear filters"</button>
                    </li>
                </ul>
            }
        })
    };
    view! {
        {panel}
        {chips}
    }
}

/// Which of the optional columns the user lists show, as checkboxes.
#[component]
pub fn ColumnPicker(
    /// Keys of the optional columns hidden.
    hidden: RwSignal<BTreeSet<String>>,
) -> impl IntoView {
    let boxes = OPTIONAL_COLUMNS
        .into_iter()
        .map(|(key, label)| {
            let id = format!("roster-column-{key}");
            view! {
                <div class="roster-check">
                    <input type="checkbox" id=id.clone() class="roster-checkbox"
                        prop:checked=move || hidden.with(|h| !h.contains(key))
                        on:change=move |ev| {
                            let shown = event_target_checked(&ev);
                            hidden.update(|h| {
                                if shown { h.remove(key); } else { h.insert(key.to_owned()); }
                            });
                        } />
                    <label for=id>{label}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset id=COLUMN_PANEL_ID class="roster-filters">
            <legend>"Columns shown"</legend>
            {boxes}
        </fieldset>
    }
}
