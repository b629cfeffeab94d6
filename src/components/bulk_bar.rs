use std::collections::BTreeSet;

use leptos::prelude::*;
use roster_model::{BulkAction, BulkResult, MAX_BULK_BATCH, MAX_SELECT_ALL};

use super::{cancel_on_escape, deliberate_confirm};
use crate::format;

/// The bulk runs of one mount of the console, given in context when it starts: a run goes on when
/// the admin leaves the page that started it, and coming back shows it still under way.
#[derive(Clone, Copy)]
pub struct BulkRuns {
    /// The Managed list's actions.
    pub users: BulkRun,
    /// Bulk import.
    pub import: BulkRun,
    /// Counts the invite wizard's sends that ended, wherever the admin is by then: the user
    /// lists read their counts and page again.
    pub invitations_sent: RwSignal<u32>,
}

impl BulkRuns {
    pub fn new() -> Self {
        BulkRuns {
            users: BulkRun::new(),
            import: BulkRun::new(),
            invitations_sent: RwSignal::new(0),
        }
    }

    /// Ends both where they are, for another person (or nobody) signed in on this mount: what one
    /// admin started must not go on under the next one's session, nor show them its results.
    pub fn end_all(&self) {
        self.users.end();
        self.import.end();
    }
}

impl Default for BulkRuns {
    fn default() -> Self {
        Self::new()
    }
}

/// The state of a bulk action under way or just done.
#[derive(Clone, Copy)]
pub struct BulkRun {
    pub running: RwSignal<bool>,
    /// How many users the action is for (known once the selection is resolved).
    pub total: RwSignal<usize>,
    pub results: RwSignal<Vec<BulkResult>>,
    pub error: RwSignal<Option<String>>,
    /// Counts the runs that have sent something, whole or cut short.
    finished: RwSignal<u32>,
    /// Counts the runs started or ended from outside: a run goes on only while it is the current
    /// one.
    current: StoredValue<u32>,
}

impl BulkRun {
    pub fn new() -> Self {
        BulkRun {
            running: RwSignal::new(false),
            total: RwSignal::new(0),
            results: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            finished: RwSignal::new(0),
            current: StoredValue::new(0),
        }
    }

    /// Starts a run; answers its number, which [`BulkRun::run_batches`] and
    /// [`BulkRun::fail_run`] take.
    pub fn start(&self) -> u32 {
        self.running.set(true);
        self.forget();
        self.current.update_value(|n| *n += 1);
        self.current.get_value()
    }

    /// Ends the run under way, if any, before its next batch, and forgets what it did.
    pub fn end(&self) {
        self.current.update_value(|n| *n += 1);
        self.running.set(false);
        self.forget();
    }

    /// Forgets what the last run did.
    fn forget(&self) {
        self.total.set(0);
        self.results.set(Vec::new());
        self.error.set(None);
    }

    fn is_current(&self, run: u32) -> bool {
        self.current.get_value() == run
    }

    /// Stops run `run` with a message, unless it was ended meanwhile.
    pub fn fail_run(&self, run: u32, message: String) {
        if self.is_current(run) {
            self.fail(message);
        }
    }

    /// Forgets a run that has ended, as the page that showed it goes: one still under way stays,
    /// to be shown by the page when the admin comes back.
    pub fn forget_if_ended(&self) {
        if !self.running.get_untracked() {
            self.forget();
        }
    }

    /// Stops with a message; the results so far stay shown.
    pub fn fail(&self, message: String) {
        self.error.set(Some(message));
        self.running.set(false);
    }

    /// Changes as each run that sent something ends: what lists it may have changed track it, and
    /// are read again (like an action's version).
    pub fn version(&self) -> ReadSignal<u32> {
        self.finished.read_only()
    }

    /// Sends `ids` for run `run` a batch of [`MAX_BULK_BATCH`] at a time through `send`, adding
    /// each batch's results as they come; stops at the first request that fails, or when the run
    /// was ended ([`BulkRun::end`]). Answers whether all went.
    pub async fn run_batches<Fut>(
        &self,
        run: u32,
        ids: Vec<i64>,
        send: impl Fn(Vec<i64>) -> Fut,
    ) -> bool
    where
        Fut: std::future::Future<Output = Result<Vec<BulkResult>, String>>,
    {
        if !self.is_current(run) {
            return false;
        }
        self.total.set(ids.len());
        for batch in ids.chunks(MAX_BULK_BATCH) {
            if !self.is_current(run) {
                return false;
            }
            let answer = send(batch.to_vec()).await;
            if !self.is_current(run) {
                return false;
            }
            match answer {
                Ok(results) => self.results.update(|r| r.extend(results)),
                Err(message) => {
                    self.fail(message);
                    self.finished.update(|n| *n += 1);
                    return false;
                }
            }
        }
        self.running.set(false);
        self.finished.update(|n| *n += 1);
        true
    }
}

impl Default for BulkRun {
    fn default() -> Self {
        Self::new()
    }
}

fn action_label(action: BulkAction) -> &'static str {
    match action {
        BulkAction::RequireTwoFactor => "Require two-factor",
        BulkAction::ResetPassword => "Reset password",
        BulkAction::Remove => "Remove from organization",
        BulkAction::Suspend => "Suspend",
        BulkAction::Restore => "Restore",
    }
}

fn consequence(action: BulkAction) -> &'static str {
    match action {
        BulkAction::RequireTwoFactor => "they must set up two-factor sign-in at their next sign-in",
        BulkAction::ResetPassword => {
            "they are signed out, emailed, and must choose a new password at their next sign-in"
        }
        BulkAction::Remove => "they leave the organization and stay active",
        BulkAction::Suspend => {
            "they are signed out at once and cannot sign in until restored; they keep their accounts and roles"
        }
        BulkAction::Restore => "they can sign in again, with the accounts and roles they kept",
    }
}

/// How many are selected: the rows ticked, or everything the search matches (up to the limit of
/// "select all").
pub fn selection_count(selected: &BTreeSet<i64>, all_matching: bool, total: u64) -> u64 {
    if all_matching {
        total.min(MAX_SELECT_ALL as u64)
    } else {
        selected.len() as u64
    }
}

/// "Select all N matching", or past the limit of "select all" (or of counting, which stops at the
/// same number) the first that many.
fn select_all_label(total: u64) -> String {
    let limit = MAX_SELECT_ALL as u64;
    if total >= limit {
        format!("Select the first {limit} matching users")
    } else {
        format!(
            "Select all {} matching",
            format::count(total, "user", "users")
        )
    }
}

/// The selection of a list, for a bulk action: how many users are selected, "Select all N
/// matching" once every row of the page is ticked, "Clear selection", and the actions (children).
#[component]
pub fn SelectionBar(
    selected: RwSignal<BTreeSet<i64>>,
    all_matching: RwSignal<bool>,
    /// The rows of the page shown.
    #[prop(into)]
    page_ids: Signal<Vec<i64>>,
    /// How many users the list's search matches.
    #[prop(into)]
    total: Signal<u64>,
    /// Names the group for assistive technology ("Bulk actions").
    label: &'static str,
    /// Who "all matching" leaves out and why, said next to the count while it is selected.
    #[prop(optional)]
    left_out: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let count = move || selected.with(|s| selection_count(s, all_matching.get(), total.get()));
    let page_all = move || {
        page_ids
            .with(|ids| !ids.is_empty() && selected.with(|s| ids.iter().all(|id| s.contains(id))))
    };
    let summary = move || match (all_matching.get(), count()) {
        (true, n) => format!(
            "All {} matching selected",
            format::count(n, "user", "users")
        ),
        (false, 0) => "No users selected".to_owned(),
        (false, n) => format!("{} selected", format::count(n, "user", "users")),
    };
    // "Select all N matching" and "Clear selection" go once pressed: focus goes to the words that
    // say what they did, not to the top of the page.
    let status = NodeRef::<leptos::html::Span>::new();
    let focus_status = move || {
        if let Some(status) = status.get_untracked() {
            status.focus().ok();
        }
    };
    view! {
        <div class="roster-bulk-bar" role="group" aria-label=label>
            <span role="status" tabindex="-1" node_ref=status>
                {summary}
                {move || left_out.filter(|_| all_matching.get()).map(|note| view! { <span class="roster-muted">{format!(" {note}")}</span> })}
            </span>
            {move || (page_all() && !all_matching.get() && total.get() > selected.with(|s| s.len() as u64)).then(|| view! {
                <button type="button" class="roster-button roster-button--quiet" on:click=move |_| {
                    all_matching.set(true);
                    focus_status();
                }>
                    {move || select_all_label(total.get())}
                </button>
            })}
            {move || (count() > 0).then(|| view! {
                <button type="button" class="roster-button roster-button--quiet" on:click=move |_| {
                    selected.set(BTreeSet::new());
                    all_matching.set(false);
                    focus_status();
                }>"Clear selection"</button>
            })}
            {children()}
        </div>
    }
}

/// The bulk actions of the Managed tab on its selection (a [`SelectionBar`]'s children), each
/// confirmed; the page shows their progress with [`BulkProgress`].
#[component]
pub fn BulkActions(
    selected: RwSignal<BTreeSet<i64>>,
    all_matching: RwSignal<bool>,
    /// How many users the list's search matches.
    total: u64,
    run: BulkRun,
    on_action: Callback<BulkAction>,
    /// "Remove from organization": the page asks for confirmations and new owners in a dialog.
    on_remove: Callback<()>,
) -> impl IntoView {
    let confirming = RwSignal::new(None::<BulkAction>);
    let count = move || selected.with(|s| selection_count(s, all_matching.get(), total));
    let can_act = move || count() > 0 && !run.running.get();

    move || {
        match confirming.get() {
        None => view! {
            {[BulkAction::RequireTwoFactor, BulkAction::ResetPassword, BulkAction::Suspend, BulkAction::Restore].into_iter().map(|action| view! {
                <button type="button" class="roster-button roster-button--quiet" disabled=move || !can_act()
                    data-focus-key=action_label(action)
                    on:click=move |_| confirming.set(Some(action))>{action_label(action)}</button>
            }).collect_view()}
            <button type="button" class="roster-button roster-button--danger" disabled=move || !can_act()
                on:click=move |_| on_remove.run(())>"Remove from organization"</button>
        }.into_any(),
        // The question takes the action's place, and focus follows: to Confirm, and back to the
        // action on Cancel (`dom::keep_focus_across_redraws`, first element of the key).
        Some(action) => view! {
            <span class="roster-confirm" on:keydown=cancel_on_escape(move || confirming.set(None))>
                {move || format!("{} for {}? For each, {}. ", action_label(action), format::count(count(), "user", "users"), consequence(action))}
                <button type="button" class="roster-button" data-focus-key=action_label(action)
                    on:click=deliberate_confirm(move || { confirming.set(None); on_action.run(action); })>
                    {format!("Confirm: {}", action_label(action).to_lowercase())}
                </button>
                <button type="button" class="roster-button roster-button--quiet" data-focus-key=action_label(action)
                    on:click=move |_| confirming.set(None)>"Cancel"</button>
            </span>
        }.into_any(),
    }
    }
}

/// Progress of a bulk run, how many went and failed, and a result per user.
#[component]
pub fn BulkProgress(run: BulkRun) -> impl IntoView {
    let done = move || run.results.with(Vec::len);
    let failed = move || run.results.with(|r| r.iter().filter(|x| !x.ok).count());
    // As a run starts and ends, the control that started it is disabled or drawn anew (the
    // action, its question's Confirm, the removal dialog) and focus falls to the document: it
    // comes here, where the count and the result per user are, rather than to the top.
    // Drawn again with the list (Back, another page), it leaves focus alone unless a run is
    // under way: the first showing is often the start of one, its code loaded for it.
    let region = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |was: Option<bool>| {
        let running = run.running.get();
        if was.map_or(running, |was| was != running) {
            if let Some(region) = region.get_untracked() {
                crate::dom::focus_if_fell(&region);
            }
        }
        running
    });
    view! {
        {move || (run.running.get() || done() > 0 || run.error.with(Option::is_some)).then(|| view! {
            <div class="roster-results" node_ref=region tabindex="-1" role="region" aria-label="Bulk action progress">
                <div class="roster-progress">
                    <label for="roster-bulk-progress">{move || format!("Done {} of {}", done(), run.total.get())}</label>
                    <progress id="roster-bulk-progress" max=move || run.total.get().max(1).to_string() prop:value=move || done() as f64></progress>
                </div>
                <p role="status">{move || if run.running.get() {
                    "Working…".to_owned()
                } else {
                    format!("{} done, {} failed.", done() - failed(), failed())
                }}</p>
                {move || run.error.get().map(|text| view! {
                    <p class="roster-error" role="alert">
                        {format!("Stopped before the end: {text} The users not done stay selected, to try again.")}
                    </p>
                })}
                <details>
                    <summary>"Result per user"</summary>
                    <ul class="roster-plain-list">
                        {move || run.results.get().into_iter().map(|r| {
                            let who = r.name.unwrap_or_else(|| format!("User {}", r.id));
                            if r.ok {
                                view! { <li class="roster-result roster-result--ok">{who}</li> }.into_any()
                            } else {
                                view! { <li class="roster-result roster-result--failed">{format!("{who}: {}", r.message.unwrap_or_default())}</li> }.into_any()
                            }
                        }).collect_view()}
                    </ul>
                </details>
            </div>
        })}
    }
}
