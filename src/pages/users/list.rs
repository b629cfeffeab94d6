use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_model::{
    AccountRef, BulkAction, BulkRequest, ErrorCode, InvitationActionResult, LeaveRequest, SortDir,
    SortField, UserFilter, UserFilters, UserListRequest, UserSummary, UserView, ViewCounts,
    DEFAULT_PAGE_SIZE, MAX_INVITE_EMAILS,
};

use super::{
    bulk_actions, bulk_progress, bulk_remove_dialog, column_picker, export_file, invitation_table,
    remove_external_access_dialog, user_filters,
};
use crate::api::ApiClient;
use crate::components::{selection_count, BulkRuns, SelectionBar};
use crate::components::{
    ErrorPanel, InvitationAction, Pager, SearchBox, SortState, Tab, TabList, UserTable,
    COLUMN_PANEL_ID, FILTERS_BUTTON_ID, FILTER_PANEL_ID,
};
use crate::dom;
use crate::events::{HostEvents, UserChanged};
use crate::format;
use crate::list::{latest_read, page_href, ExportRun, PageLinks};
use crate::pages::{use_title, NotFound};
use crate::reactive::{effect, local_action, local_resource};
use crate::router::{use_navigate, use_typed_query, NavigateOptions, A};
use crate::session::SessionState;
use crate::split::{lazy_page, lazy_when, ChunkUnavailable};

const PANEL_ID: &str = "roster-users-panel";

/// Everything the list shows, as held in the URL:
/// `/users/:view?q=&sort=&dir=&role=&account=&account_role=&two_factor=&status=&last_sign_in=&cursor=&page=`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListState {
    view: UserView,
    search: String,
    sort: SortField,
    dir: SortDir,
    filters: UserFilters,
    cursor: Option<String>,
    page: u32,
}

impl ListState {
    fn href(&self) -> String {
        let sort = if self.sort == self.view.default_sort() {
            String::new()
        } else {
            self.sort.as_str().to_owned()
        };
        let dir = if self.dir == SortDir::default() {
            String::new()
        } else {
            self.dir.as_str().to_owned()
        };
        let mut query = vec![("q", self.search.clone()), ("sort", sort), ("dir", dir)];
        query.extend(self.filters.pairs());
        page_href(
            &format!("/users/{}", self.view.as_str()),
            &query,
            self.cursor.clone(),
            self.page,
        )
    }

    /// What the API is asked for this list.
    fn request(&self) -> UserListRequest {
        UserListRequest {
            view: self.view,
            search: self.search.clone(),
            sort: self.sort,
            dir: self.dir,
            cursor: self.cursor.clone(),
            limit: DEFAULT_PAGE_SIZE,
            filters: self.filters,
        }
    }

    /// The same list from its first page (after a new search or sort).
    fn first_page(self) -> Self {
        ListState {
            cursor: None,
            page: 1,
            ..self
        }
    }
}

/// The query of a tab's URL: `?q=&sort=&dir=&cursor=&page=` and the filters.
#[derive(serde::Deserialize, Debug, Clone, PartialEq, Eq, Default)]
struct UsersQuery {
    q: Option<String>,
    sort: Option<SortField>,
    dir: Option<SortDir>,
    cursor: Option<String>,
    page: Option<u32>,
    role: Option<String>,
    account: Option<String>,
    account_role: Option<String>,
    two_factor: Option<String>,
    status: Option<String>,
    last_sign_in: Option<String>,
}

impl UsersQuery {
    /// The filters of the URL; a value typed by hand that no filter takes is left out.
    fn filters(&self) -> UserFilters {
        let mut filters = UserFilters::default();
        for (filter, text) in [
            (UserFilter::Role, &self.role),
            (UserFilter::Account, &self.account),
            (UserFilter::AccountRole, &self.account_role),
            (UserFilter::TwoFactor, &self.two_factor),
            (UserFilter::Status, &self.status),
            (UserFilter::LastSignIn, &self.last_sign_in),
        ] {
            let _ = filters.set(filter, text.as_deref().unwrap_or_default());
        }
        filters
    }
}

/// A tab of the user-management page; `view` is none for a tab that does not exist.
#[component]
pub fn UsersPage(view: Memo<Option<UserView>>) -> impl IntoView {
    let query = use_typed_query::<UsersQuery>();
    let state = Memo::new(move |_| {
        let query = query.get();
        let cursor = query.cursor.clone().filter(|c| !c.is_empty());
        let view = view.get().unwrap_or_default();
        let asked = query.sort.unwrap_or(view.default_sort());
        let sort = view.sort_shown(asked);
        // A page link made for an order the tab does not show starts from the first page.
        let cursor = cursor.filter(|_| sort == asked);
        ListState {
            view,
            // What the tab does not offer (a hand-edited URL) narrows nothing unseen.
            filters: query.filters().offered_on(view),
            search: query.q.unwrap_or_default(),
            sort,
            dir: query.dir.unwrap_or_default(),
            // Without a cursor it is the first page, whatever a hand-edited URL says.
            page: cursor
                .as_ref()
                .map_or(1, |_| query.page.filter(|p| *p >= 1).unwrap_or(1)),
            cursor,
        }
    });

    // Only the validity of the view picks the component: switching tabs must not rebuild the page
    // (the focused tab would be lost).
    let known_view = Memo::new(move |_| view.get().is_some());
    move || {
        if known_view.get() {
            view! { <UserList state=state /> }.into_any()
        } else {
            view! { <NotFound /> }.into_any()
        }
    }
}

#[component]
fn UserList(state: Memo<ListState>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let session = expect_context::<SessionState>();
    let navigate = use_navigate();
    use_title(move || format!("{} users · User management", state.read().view.label()));

    // Resend and revoke on the Invited tab, with a result per invitation.
    let invitation_action = {
        local_action(move |(action, ids): &(InvitationAction, Vec<i64>)| {
            let (action, ids) = (*action, ids.clone());
            async move {
                // "All matching" may be more than one request takes: a batch at a time, results
                // gathered; a failed batch ends the run, and what the earlier ones did is kept.
                let mut done = Vec::new();
                for batch in ids.chunks(MAX_INVITE_EMAILS) {
                    let answer = match action {
                        InvitationAction::Resend => api.resend_invitations(batch).await,
                        InvitationAction::Revoke => api.revoke_invitations(batch).await,
                    };
                    match answer {
                        Ok(answer) => done.extend(answer.results),
                        Err(failure) => return (action, done, Some(failure.message())),
                    }
                }
                (action, done, None)
            }
        })
    };
    // What changes the list: access removed here (`changes`), a bulk run, a resend or revoke. When
    // one has finished, the counts and the page are read again.
    let changes = RwSignal::new(0u32);
    let changed = move || changes.update(|n| *n += 1);
    // The mount's, not the page's: a run goes on, and is shown again, when the admin comes back.
    let runs = expect_context::<BulkRuns>();
    let bulk = runs.users;
    on_cleanup(move || bulk.forget_if_ended());
    // An import or invitations sent from pages the admin left before they ended change the lists
    // too.
    let elsewhere = move || {
        runs.import.version().track();
        runs.invitations_sent.track();
    };
    // The counts follow the filters, not each keystroke of a search.
    let filters = Memo::new(move |_| state.read().filters);
    let shown_view = Memo::new(move |_| state.read().view);
    let counts = local_resource(move || {
        changes.track();
        elsewhere();
        bulk.version().track();
        invitation_action.version().track();
        let filters = filters.get();
        async move {
            // A tab counts what it would list once opened: under the filters it offers (the
            // API finds no one on External or Invited by organization role), each set asked once.
            let mut asked: Vec<(UserFilters, ViewCounts)> = Vec::new();
            let mut counts = ViewCounts::default();
            for view in UserView::ALL {
                let offered = filters.offered_on(view);
                let theirs = match asked.iter().position(|(by, _)| *by == offered) {
                    Some(at) => &asked[at].1,
                    None => {
                        let answer = api.view_counts(&offered).await.ok()?;
                        asked.push((offered, answer));
                        &asked[asked.len() - 1].1
                    }
                };
                counts.set(view, theirs.get(view), theirs.at_least(view));
            }
            Some(counts)
        }
    });
    let users = latest_read(move || {
        changes.track();
        elsewhere();
        bulk.version().track();
        invitation_action.version().track();
        let state = state.get();
        async move {
            let request = state.request();
            (state, api.users(&request).await)
        }
    });
    // The view of the answer on screen: what "all matching" means while a newer one is read.
    let shown_state = move || {
        users
            .with_untracked(|answer| answer.as_ref().map(|(shown, _)| shown.clone()))
            .unwrap_or_else(|| state.get_untracked())
    };
    // The server's first paint of this list stays in view until the app has the same to show.
    effect(move || {
        if users.with(Option::is_some) && counts.with(|counts| counts.is_some()) {
            dom::end_first_paint();
        }
    });

    let go = {
        let navigate = navigate.clone();
        move |next: ListState, replace: bool| {
            navigate(
                &next.href(),
                NavigateOptions {
                    replace,
                    scroll: false,
                },
            );
        }
    };
    let on_search = {
        let go = go.clone();
        Callback::new(move |text: String| {
            let current = state.get_untracked();
            if text.trim() != current.search.trim() {
                // Replace, so typing does not leave one history entry per pause.
                go(
                    ListState {
                        search: text,
                        ..current
                    }
                    .first_page(),
                    true,
                );
            }
        })
    };
    let on_sort = {
        let go = go.clone();
        Callback::new(move |field: SortField| {
            let current = state.get_untracked();
            let dir = if current.sort == field {
                current.dir.reversed()
            } else {
                SortDir::Asc
            };
            go(
                ListState {
                    sort: field,
                    dir,
                    ..current
                }
                .first_page(),
                false,
            );
        })
    };
    let on_retry = Callback::new(move |()| changed());
    // A page link made for another order (as a list's link from before its order changed): its
    // "Try again" starts from the first page, as its message says, where reading it again would
    // fail again.
    let from_first_page = {
        let go = go.clone();
        Callback::new(move |()| go(state.get_untracked().first_page(), false))
    };
    let on_filters = {
        let go = go.clone();
        Callback::new(move |filters: UserFilters| {
            let current = state.get_untracked();
            go(ListState { filters, ..current }.first_page(), false);
        })
    };

    // The filter panel, open from the start when the URL sets filters.
    let filters_open = RwSignal::new(!state.get_untracked().filters.is_empty());

    // The optional columns hidden, remembered on this browser.
    let hidden_columns = RwSignal::new(crate::config::stored_hidden_columns());
    let columns_open = RwSignal::new(false);
    // Kept from the first run too: that renews the cookie the server's first paint reads.
    effect(move || crate::config::store_hidden_columns(&hidden_columns.get()));

    // Export: everything the list shows (every page), as a CSV file.
    let export = ExportRun::new();
    // "Nothing to export" is about the list it was said of, as last read.
    effect(move || {
        state.track();
        users.track();
        export.forget_no_rows();
    });
    let on_export = move |_| {
        if !export.begin() {
            return;
        }
        let request = state.get_untracked().request();
        spawn_local(async move {
            let saved = match export_file(api, request).await {
                Ok(export) => export.await,
                Err(ChunkUnavailable) => Err(ChunkUnavailable::MESSAGE.to_owned()),
            };
            export.finish(saved);
        });
    };

    // The External tab: take someone's access to one account, or to all, away.
    let removing_access = RwSignal::new(None::<(UserSummary, Option<AccountRef>)>);
    // What the last removal did, and the focus key of the control that asked for it.
    let access_removed = RwSignal::new(None::<(String, String)>);
    let on_remove_access = Callback::new(move |target| {
        access_removed.set(None);
        removing_access.set(Some(target));
    });
    // The notice belongs to the list it was given on.
    effect(move || {
        state.track();
        access_removed.set(None);
    });
    let on_access_removed = Callback::new(move |done: (String, String)| {
        // Answered after the admin went back to another tab: said there, it was about nothing
        // on it.
        if state.with_untracked(|now| now.view == UserView::External) {
            access_removed.set(Some(done));
        }
        changed();
    });

    // The view invitations were last acted on in: their results show there, not in the next.
    let acted_on = RwSignal::new(None::<ListState>);
    let on_invitation_action = Callback::new(move |request: (InvitationAction, Vec<i64>)| {
        acted_on.set(Some(shown_state()));
        invitation_action.dispatch(request);
    });
    // "Select all matching" on the Invited tab: the invitations of everyone the list matches.
    let resolving = RwSignal::new(false);
    let resolve_failure = RwSignal::new(None::<String>);
    let on_all_invitations = Callback::new(move |action: InvitationAction| {
        let shown = shown_state();
        acted_on.set(Some(shown.clone()));
        resolving.set(true);
        resolve_failure.set(None);
        spawn_local(async move {
            let found = api
                .user_ids(shown.view, &shown.search, &shown.filters)
                .await;
            // Answered after the admin left the page: its action went with it.
            if resolving.try_set(false).is_some() {
                return;
            }
            match found {
                Ok(found) => {
                    invitation_action.dispatch((action, found.invitation_ids));
                }
                Err(failure) => {
                    let _ = resolve_failure.try_set(Some(failure.message()));
                }
            }
        });
    });
    let busy = Signal::derive(move || invitation_action.pending().get() || resolving.get());

    // Bulk actions on the Managed tab: the rows ticked, or everything the search matches.
    let ticked = RwSignal::new(BTreeSet::<i64>::new());
    let all_matching = RwSignal::new(false);
    effect(move || {
        // A new tab, search or page starts a new selection.
        state.track();
        ticked.set(BTreeSet::new());
        all_matching.set(false);
    });
    // So does its answer: rows ticked while it was read were the last answer's, which it
    // replaces (an action would reach users no longer shown). An answer read again for the same
    // view keeps the selection.
    Effect::new(move |answered_before: Option<Option<ListState>>| {
        let answered = users.with(|answer| answer.as_ref().map(|(shown, _)| shown.clone()));
        if answered_before.is_some_and(|before| before != answered) {
            ticked.set(BTreeSet::new());
            all_matching.set(false);
        }
        answered
    });
    // The users a bulk action is for: the ticked rows, or everything the search matches.
    let resolve_ids = {
        move || {
            // Everything the shown list matches, whose count the admin saw (a newer search may
            // still be on its way).
            let shown = shown_state();
            let chosen: Vec<i64> = ticked.get_untracked().into_iter().collect();
            let everything = all_matching.get_untracked();
            let me = session.me_untracked().map(|me| me.user.id);
            async move {
                if everything {
                    // The model refuses these actions on oneself; "all matching" says it leaves
                    // the admin out rather than reporting a refusal for them.
                    api.user_ids(shown.view, &shown.search, &shown.filters)
                        .await
                        .map(|found| found.ids.into_iter().filter(|id| Some(*id) != me).collect())
                } else {
                    Ok(chosen)
                }
            }
        }
    };
    // Stored, so that `run_bulk` stays Copy for the callbacks that start runs.
    let events = StoredValue::new(expect_context::<HostEvents>());
    let run_bulk = {
        move |template: BulkRequest, resolved: Option<Vec<i64>>| {
            let events = events.get_value();
            let resolve = resolve_ids();
            let run = bulk.start();
            spawn_local(async move {
                let ids = match resolved {
                    Some(ids) => ids,
                    None => match resolve.await {
                        Ok(ids) => ids,
                        Err(failure) => return bulk.fail_run(run, failure.message()),
                    },
                };
                let change = UserChanged::of_bulk(template.action);
                let send = |batch: Vec<i64>| {
                    let request = BulkRequest {
                        ids: batch,
                        ..template.clone()
                    };
                    let events = events.clone();
                    async move {
                        let results = api
                            .bulk(&request)
                            .await
                            .map(|answer| answer.results)
                            .map_err(|failure| failure.message())?;
                        // The host hears of each user changed, as a change on their page.
                        for done in results.iter().filter(|r| r.ok) {
                            events.user_changed(done.id, change);
                        }
                        Ok(results)
                    }
                };
                if !bulk.run_batches(run, ids, send).await {
                    return;
                }
                ticked.set(BTreeSet::new());
                all_matching.set(false);
            });
        }
    };
    let on_bulk = {
        Callback::new(move |action: BulkAction| {
            run_bulk(
                BulkRequest {
                    action,
                    ids: Vec::new(),
                    acknowledged: Vec::new(),
                    new_owners: Vec::new(),
                },
                None,
            )
        })
    };
    // Removal first asks, for everyone selected at once, what the dialog asks for one user.
    let removing = RwSignal::new(None::<Vec<i64>>);
    let on_remove = Callback::new(move |()| {
        let resolve = resolve_ids();
        spawn_local(async move {
            match resolve.await {
                Ok(ids) => removing.set(Some(ids)),
                Err(failure) => bulk.fail(failure.message()),
            }
        });
    });
    let on_confirm_remove = Callback::new(move |leave: LeaveRequest| {
        let ids = removing.get_untracked().unwrap_or_default();
        removing.set(None);
        run_bulk(
            BulkRequest {
                action: BulkAction::Remove,
                ids: Vec::new(),
                acknowledged: leave.acknowledged,
                new_owners: leave.new_owners,
            },
            Some(ids),
        );
    });

    // The Managed tab's selection; the code of its actions comes with the first selection.
    let bulk_bar = move |page_ids: Vec<i64>, total: u64| {
        let any_selected = Signal::derive(move || {
            ticked.with(|ticked| selection_count(ticked, all_matching.get(), total)) > 0
        });
        view! {
            <SelectionBar selected=ticked all_matching=all_matching page_ids=page_ids total=total label="Bulk actions"
                left_out="You are left out: no one acts on themselves in bulk here.">
                {lazy_when(any_selected, move || bulk_actions(ticked, all_matching, total, bulk, on_bulk, on_remove))}
            </SelectionBar>
        }
    };

    let tabs = Signal::derive(move || {
        let counts = counts.get().flatten();
        let current = state.get();
        UserView::ALL
            .into_iter()
            .map(|view| {
                let sort = if current.sort == current.view.default_sort() {
                    view.default_sort()
                } else {
                    view.sort_shown(current.sort)
                };
                Tab {
                    id: view.as_str().to_owned(),
                    label: view.label().to_owned(),
                    // Switching tabs keeps the search, the filters the tab offers and an order it shows
                    // (the tab's own, where the list was in its own), from the first page.
                    href: ListState {
                        view,
                        filters: current.filters.offered_on(view),
                        sort,
                        // A column sorted anew starts ascending, as a click on its header does.
                        dir: if sort == current.sort {
                            current.dir
                        } else {
                            SortDir::Asc
                        },
                        cursor: None,
                        page: 1,
                        ..current.clone()
                    }
                    .href(),
                    count: counts
                        .as_ref()
                        .map(|c| format::tally(c.get(view), c.at_least(view))),
                }
            })
            .collect::<Vec<_>>()
    });
    let selected = Signal::derive(move || state.read().view.as_str().to_owned());
    let search_value = Signal::derive(move || state.read().search.clone());

    view! {
        <section class="roster-page">
            <div class="roster-page__header">
                <h1>"User management"</h1>
                <A href="/invite" attr:class="roster-button">"Invite users"</A>
            </div>
            <TabList label="User lists" tabs=tabs selected=selected panel_id=PANEL_ID />
            <div
                id=PANEL_ID
                class="roster-tabpanel"
                role="tabpanel"
                aria-labelledby=move || format!("roster-tab-{}", state.read().view.as_str())
            >
                <p class="roster-muted">{move || state.read().view.description()}</p>
                <div class="roster-toolbar">
                    <SearchBox id="roster-user-search" label="Search users" value=search_value on_search=on_search />
                    <button type="button" class="roster-button roster-button--quiet" id=FILTERS_BUTTON_ID
                        aria-expanded=move || filters_open.get().to_string() aria-controls=FILTER_PANEL_ID
                        on:click=move |_| filters_open.update(|open| *open = !*open)>
                        {move || match state.read().filters.pairs().len() {
                            0 => "Filters".to_owned(),
                            n => format!("Filters ({n})"),
                        }}
                    </button>
                    <button type="button" class="roster-button roster-button--quiet"
                        aria-expanded=move || columns_open.get().to_string() aria-controls=COLUMN_PANEL_ID
                        on:click=move |_| columns_open.update(|open| *open = !*open)>"Columns"</button>
                    <button type="button" class="roster-button roster-button--quiet" on:click=on_export
                        aria-disabled=move || export.exporting.get().to_string() aria-describedby="roster-export-status">
                        {move || if export.exporting.get() { "Exporting…" } else { "Export CSV" }}
                    </button>
                    // Bulk import is a per-organization feature: without it, nothing offers it.
                    {move || (state.read().view == UserView::Imported && session.bulk_import()).then(|| view! {
                        <A href="/import" attr:class="roster-button">"Import users"</A>
                    })}
                </div>
                <p id="roster-export-status" class="roster-visually-hidden" role="status">
                    {move || export.preparing("Preparing the CSV file of every user the list shows…")}
                </p>
                <p class="roster-visually-hidden" role="status">{move || export.saved()}</p>
                <p class="roster-notice" role="status">
                    {move || export.made_no_file().then_some("No users match, so there is nothing to export.")}
                </p>
                {move || export.failure.get().map(|text| view! { <p class="roster-error" role="alert">{format!("Export failed: {text}")}</p> })}
                {lazy_when(columns_open.into(), move || column_picker(hidden_columns, columns_open))}
                {lazy_when(
                    Signal::derive(move || filters_open.get() || !filters.get().is_empty()),
                    move || user_filters(shown_view, filters, filters_open, on_filters),
                )}
                {move || state.with(|now| acted_on.with(|acted| acted.as_ref() == Some(now)))
                    .then(|| invitation_action.result().map(|(action, done, failure)| action_results(action, done, failure)))}
                {move || resolve_failure.get().map(|text| view! { <p class="roster-error" role="alert">{text}</p> })}
                // When the row goes with the control that asked (the last of the list), focus
                // follows here.
                {move || access_removed.get().map(|(done, focus_key)| view! {
                    <p class="roster-notice" role="status" tabindex="-1" data-focus-key=focus_key>{done}</p>
                })}
                // A bulk run's progress and results, kept while the list is read again.
                {move || (state.read().view == UserView::Managed).then(|| lazy_when(
                    Signal::derive(move || bulk.running.get() || bulk.error.with(Option::is_some) || bulk.results.with(|r| !r.is_empty())),
                    move || bulk_progress(bulk),
                ))}
                // The last answer stays shown until a newer one comes.
                {move || match users.get() {
                    None => view! { <p class="roster-loading" role="status">"Loading users…"</p> }.into_any(),
                    Some((shown, result)) => match result {
                            Ok(page) => {
                                let links = PageLinks::of(shown.page, &page, DEFAULT_PAGE_SIZE, |cursor, to| {
                                    ListState { cursor, page: to, ..shown.clone() }.href()
                                });
                                let summary = summary(&shown, page.total, page.total_capped);
                                let body = if page.items.is_empty() && shown.view == UserView::Managed {
                                    // The results of a bulk action stay shown when it emptied the list.
                                    view! {
                                        {bulk_bar(Vec::new(), 0)}
                                        {empty_state(&shown)}
                                    }
                                    .into_any()
                                } else if page.items.is_empty() {
                                    empty_state(&shown).into_any()
                                } else if shown.view == UserView::Invited {
                                    view! {
                                        {lazy_page(move || invitation_table(
                                            page.items.clone(),
                                            SortState { field: shown.sort, dir: shown.dir },
                                            on_sort,
                                            on_invitation_action,
                                            (page.total, page.total_capped),
                                            on_all_invitations,
                                            busy,
                                        ))}
                                        <Pager links=links label="User list pages" />
                                    }
                                    .into_any()
                                } else {
                                    let managed = shown.view == UserView::Managed;
                                    // Bulk actions leave the admin out, ticked or not.
                                    let me = session.me_untracked().map(|me| me.user.id);
                                    let page_ids: Vec<i64> = page.items.iter().map(|u| u.id).filter(|id| Some(*id) != me).collect();
                                    let total = page.total;
                                    view! {
                                        {managed.then(|| view! {
                                            {bulk_bar(page_ids, total)}
                                        })}
                                        <UserTable
                                            view=shown.view
                                            users=page.items
                                            sort=SortState { field: shown.sort, dir: shown.dir }
                                            on_sort=on_sort
                                            caption=format!("{} users", shown.view.label())
                                            selection=managed.then_some(ticked)
                                            unselectable=me
                                            on_remove_access=(shown.view == UserView::External).then_some(on_remove_access)
                                            hidden=hidden_columns
                                        />
                                        <Pager links=links label="User list pages" />
                                    }
                                    .into_any()
                                };
                                view! {
                                    <p class="roster-summary" role="status">{summary}</p>
                                    {body}
                                }
                                .into_any()
                            }
                            Err(failure) => {
                                let retry = match failure.code() == Some(ErrorCode::InvalidCursor) {
                                    true => from_first_page,
                                    false => on_retry,
                                };
                                view! { <ErrorPanel message=failure.message() on_retry=retry /> }.into_any()
                            }
                    },
                }}
            </div>
            {lazy_when(
                Signal::derive(move || removing.with(Option::is_some)),
                move || bulk_remove_dialog(removing, on_confirm_remove),
            )}
            {lazy_when(
                Signal::derive(move || removing_access.with(Option::is_some)),
                move || remove_external_access_dialog(removing_access, on_access_removed),
            )}
        </section>
    }
}

/// "34 users", "2 users matching “ch”", "1 user matching the filters", or both.
fn summary(state: &ListState, total: u64, capped: bool) -> String {
    let count = format::count_at_least(total, capped, "user", "users");
    match (state.search.trim(), state.filters.is_empty()) {
        ("", true) => count,
        ("", false) => format!("{count} matching the filters"),
        (search, true) => format!("{count} matching “{search}”"),
        (search, false) => format!("{count} matching “{search}” and the filters"),
    }
}

fn empty_state(state: &ListState) -> impl IntoView {
    let kind = state.view.label().to_lowercase();
    let text = if !state.filters.is_empty() {
        if state.search.trim().is_empty() {
            format!("No {kind} users match the filters.")
        } else {
            format!(
                "No {kind} users match “{}” and the filters.",
                state.search.trim()
            )
        }
    } else if state.search.trim().is_empty() {
        match state.view {
            UserView::Managed => "The organization has no managed users yet.",
            UserView::External => "No one outside the organization has access to its accounts.",
            UserView::Invited => "There are no pending invitations.",
            UserView::Imported => "No users have been imported.",
        }
        .to_owned()
    } else {
        format!("No {kind} users match “{}”.", state.search.trim())
    };
    view! { <p class="roster-empty">{text}</p> }
}

/// What a resend or revoke did, one line per invitation, and why it stopped when it did.
fn action_results(
    action: InvitationAction,
    done: Vec<InvitationActionResult>,
    failure: Option<String>,
) -> impl IntoView {
    let verb = match action {
        InvitationAction::Resend => "Sent again to",
        InvitationAction::Revoke => "Revoked the invitation of",
    };
    let items = done
        .into_iter()
        .map(|r| {
            let who = r.email.unwrap_or_else(|| format!("invitation {}", r.id));
            // A revoked invitation's row goes when the list is read again: focus on its Revoke
            // follows to its line here (`dom::keep_focus_across_redraws`).
            let focus_key = (action == InvitationAction::Revoke).then(|| format!("revoke-{}", r.id));
            let tabindex = focus_key.as_ref().map(|_| "-1");
            match r.message {
                None if r.ok => view! {
                    <li class="roster-result roster-result--ok" tabindex=tabindex data-focus-key=focus_key>{format!("{verb} {who}.")}</li>
                }
                .into_any(),
                message => view! {
                    <li class="roster-result roster-result--failed">
                        {format!("{who}: {}", message.unwrap_or_default())}
                    </li>
                }
                .into_any(),
            }
        })
        .collect_view();
    view! {
        {failure.map(|text| view! { <p class="roster-error" role="alert">{text}</p> })}
        <div class="roster-results" role="status">
            <ul class="roster-plain-list">{items}</ul>
        </div>
    }
}
