//! The invite wizard: accounts and roles → people → review and send. Each step is a route
//! (`/invite/accounts`, `/invite/people`, `/invite/review`) and what the admin chose or typed is
//! kept as a draft, so reload, back and a session that ends mid-way lose nothing.

use std::collections::BTreeSet;
use std::time::Duration;

use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;
use roster_model::{
    addresses_from_csv, split_addresses, AccountGrant, AddressCheck, InviteOutcome, InviteResult,
    NewInvitations, RoleSet, MAX_INVITE_ACCOUNTS, MAX_INVITE_EMAILS,
};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;

use super::{use_title, NotFound};
use crate::api::{ApiClient, ApiFailure};
use crate::components::{app_href, ErrorPanel, RolePicker, SearchBox};
use crate::draft::use_draft;
use crate::format;

/// Addresses per request while sending: small enough to show progress on large lists.
const SEND_BATCH: usize = 200;
/// Typing must pause this long before the addresses are checked with the server.
const CHECK_DELAY: Duration = Duration::from_millis(400);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ChosenAccount {
    id: i64,
    name: String,
    roles: RoleSet,
}

/// Everything the wizard holds between steps (and across reloads, as a draft).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
struct Wizard {
    /// Names this run of the wizard: with a batch number it is the batch's Idempotency-Key, so a
    /// batch sent again after a lost answer is not invited twice.
    run: String,
    accounts: Vec<ChosenAccount>,
    addresses: String,
}

impl Wizard {
    fn fresh() -> Self {
        Wizard {
            run: format!(
                "{:012x}{:012x}",
                (js_sys::Math::random() * 2f64.powi(48)) as u64,
                (js_sys::Math::random() * 2f64.powi(48)) as u64
            ),
            ..Wizard::default()
        }
    }

    fn candidates(&self) -> Vec<String> {
        split_addresses(&self.addresses)
    }

    fn grants(&self) -> Vec<AccountGrant> {
        self.accounts
            .iter()
            .map(|a| AccountGrant {
                account_id: a.id,
                roles: a.roles,
            })
            .collect()
    }

    /// The first chosen account that has no role yet.
    fn account_without_role(&self) -> Option<&ChosenAccount> {
        self.accounts.iter().find(|a| a.roles.is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Accounts,
    People,
    Review,
}

impl Step {
    const ALL: [Step; 3] = [Step::Accounts, Step::People, Step::Review];

    fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|step| step.slug() == s)
    }

    fn slug(self) -> &'static str {
        match self {
            Step::Accounts => "accounts",
            Step::People => "people",
            Step::Review => "review",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Step::Accounts => "Accounts and roles",
            Step::People => "People",
            Step::Review => "Review and send",
        }
    }
}

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let step = Memo::new(move |_| params.read().get("step").and_then(|s| Step::parse(&s)));
    use_title(move || {
        format!(
            "Invite users: {}",
            step.get().map(Step::title).unwrap_or("not found")
        )
    });
    let draft = use_draft("invite");
    let wizard = RwSignal::new(
        serde_json::from_str::<Wizard>(&draft.get_untracked())
            .ok()
            .filter(|w| !w.run.is_empty())
            .unwrap_or_else(Wizard::fresh),
    );
    Effect::new(move |_| {
        let state = wizard.get();
        if state.accounts.is_empty() && state.addresses.is_empty() {
            draft.set(String::new());
        } else if let Ok(json) = serde_json::to_string(&state) {
            draft.set(json);
        }
    });
    // Once sent, the wizard's results stay on screen while the draft is gone; starting over
    // from the first step clears them.
    let sent = RwSignal::new(false);
    Effect::new(move |_| {
        if step.get() == Some(Step::Accounts) {
            sent.set(false);
        }
    });

    let known = Memo::new(move |_| step.get().is_some());
    move || {
        if !known.get() {
            return view! { <NotFound /> }.into_any();
        }
        view! {
            <section class="roster-page roster-invite">
                <h1>"Invite users"</h1>
                <ol class="roster-steps-nav" aria-label="Steps">
                    {Step::ALL.into_iter().enumerate().map(|(i, s)| view! {
                        <li aria-current=move || (step.get() == Some(s)).then_some("step")>
                            {format!("{}. {}", i + 1, s.title())}
                        </li>
                    }).collect_view()}
                </ol>
                {move || match step.get() {
                    Some(Step::Accounts) => view! { <AccountsStep wizard=wizard /> }.into_any(),
                    Some(Step::People) => view! { <PeopleStep wizard=wizard /> }.into_any(),
                    Some(Step::Review) | None => view! { <ReviewStep wizard=wizard sent=sent /> }.into_any(),
                }}
            </section>
        }
        .into_any()
    }
}

#[component]
fn AccountsStep(wizard: RwSignal<Wizard>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let search = RwSignal::new(String::new());
    let found = LocalResource::new(move || {
        let api = api.clone();
        let text = search.get();
        async move { api.accounts(&text, None, 20).await }
    });
    let refusal = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();

    let toggle = move |id: i64, name: String, on: bool| {
        refusal.set(None);
        wizard.update(|w| {
            if !on {
                w.accounts.retain(|a| a.id != id);
            } else if w.accounts.len() >= MAX_INVITE_ACCOUNTS {
                refusal.set(Some(format!(
                    "You can invite to at most {MAX_INVITE_ACCOUNTS} accounts at a time. Remove one to add {name}."
                )));
            } else if !w.accounts.iter().any(|a| a.id == id) {
                w.accounts.push(ChosenAccount {
                    id,
                    name,
                    roles: RoleSet::EMPTY,
                });
            }
        });
    };
    let next = move |_| match wizard
        .with_untracked(|w| w.account_without_role().map(|a| a.name.clone()))
    {
        Some(name) => error.set(Some(format!(
            "Choose at least one role on {name}, or remove it."
        ))),
        None => {
            error.set(None);
            navigate("/invite/people", NavigateOptions::default());
        }
    };

    view! {
        <h2>"1. Accounts and roles"</h2>
        <p class="roster-muted">
            {format!("Choose up to {MAX_INVITE_ACCOUNTS} of the organization's accounts and the roles the people get on each. With no account, they join the organization only.")}
        </p>
        <div class="roster-invite__columns">
            <div>
                <SearchBox id="roster-invite-account-search" label="Search accounts" value=Signal::derive(move || search.get())
                    on_search=Callback::new(move |text: String| search.set(text)) />
                <p class="roster-error" role="alert">{move || refusal.get()}</p>
                <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading accounts…"</p> }>
                    {move || Suspend::new(async move {
                        match found.await {
                            Ok(page) if page.items.is_empty() => view! { <p class="roster-empty">"No accounts match."</p> }.into_any(),
                            Ok(page) => {
                                let items = page.items.into_iter().map(|account| {
                                    let id = account.id;
                                    let name = account.name.clone();
                                    let input_id = format!("roster-invite-account-{id}");
                                    view! {
                                        <li>
                                            <input type="checkbox" id=input_id.clone() class="roster-checkbox"
                                                prop:checked=move || wizard.with(|w| w.accounts.iter().any(|a| a.id == id))
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    toggle(id, name.clone(), on);
                                                    // A refused 11th account stays unticked.
                                                    if on && !wizard.with_untracked(|w| w.accounts.iter().any(|a| a.id == id)) {
                                                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                                            input.set_checked(false);
                                                        }
                                                    }
                                                } />
                                            <label for=input_id>{account.name.clone()}<span class="roster-muted">{format!(" · {}", account.sid)}</span></label>
                                        </li>
                                    }
                                }).collect_view();
                                view! { <ul class="roster-plain-list roster-choice-list" aria-label="Accounts">{items}</ul> }.into_any()
                            }
                            Err(failure) => view! { <ErrorPanel message=failure.message() on_retry=Callback::new(move |()| found.refetch()) /> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
            <div>
                <h3>{move || format!("Chosen: {} of {MAX_INVITE_ACCOUNTS}", wizard.with(|w| w.accounts.len()))}</h3>
                {move || wizard.with(|w| w.accounts.is_empty()).then(|| view! {
                    <p class="roster-muted">"No account chosen: the people join the organization without account access."</p>
                })}
                <For each=move || wizard.with(|w| w.accounts.iter().map(|a| (a.id, a.name.clone())).collect::<Vec<_>>())
                    key=|(id, _)| *id let:((id, name))>
                    <div class="roster-chosen-account">
                        <RolePicker id=format!("roster-invite-roles-{id}") legend=format!("Roles on {name}")
                            roles=Signal::derive(move || wizard.with(|w| w.accounts.iter().find(|a| a.id == id).map(|a| a.roles).unwrap_or_default()))
                            on_change=Callback::new(move |roles: RoleSet| wizard.update(|w| {
                                if let Some(a) = w.accounts.iter_mut().find(|a| a.id == id) { a.roles = roles; }
                            })) />
                        <button type="button" class="roster-button roster-button--quiet" aria-label=format!("Remove {name}")
                            on:click=move |_| wizard.update(|w| w.accounts.retain(|a| a.id != id))>"Remove"</button>
                    </div>
                </For>
            </div>
        </div>
        <p class="roster-error" role="alert">{move || error.get()}</p>
        <div class="roster-form__actions">
            <button type="button" class="roster-button" on:click=next>"Next: people"</button>
            <A href=app_href("/users/invited") attr:class="roster-button roster-button--quiet">"Cancel"</A>
        </div>
    }
}

/// One line of the address check as the admin reads it.
fn check_line(check: &AddressCheck) -> (bool, String) {
    match check.problem {
        Some(problem) => (false, problem.message().to_owned()),
        None if check.reinvite => (
            true,
            "Their earlier invitation expired: it is replaced by this one.".to_owned(),
        ),
        None if check.existing_user => (
            true,
            "Already has a user: joins the organization on accepting.".to_owned(),
        ),
        None => (
            true,
            "New person: a user is created and invited.".to_owned(),
        ),
    }
}

#[component]
fn PeopleStep(wizard: RwSignal<Wizard>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let text = RwSignal::new(wizard.get_untracked().addresses);
    // The addresses as last checked, after typing paused.
    let settled = RwSignal::new(wizard.get_untracked().candidates());
    let pending: StoredValue<Option<TimeoutHandle>, LocalStorage> = StoredValue::new_local(None);
    let on_input = move |value: String| {
        text.set(value.clone());
        wizard.update(|w| w.addresses = value.clone());
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let handle =
            set_timeout_with_handle(move || settled.set(split_addresses(&value)), CHECK_DELAY).ok();
        pending.set_value(handle);
    };
    let checks = LocalResource::new(move || {
        let api = api.clone();
        let candidates = settled.get();
        async move {
            let mut all = Vec::with_capacity(candidates.len());
            for chunk in candidates.chunks(MAX_INVITE_EMAILS) {
                all.extend(api.check_addresses(chunk).await?);
            }
            Ok::<_, ApiFailure>(all)
        }
    });
    let file_error = RwSignal::new(None::<String>);
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(content) => {
                    let found = addresses_from_csv(&content.as_string().unwrap_or_default());
                    if found.is_empty() {
                        file_error.set(Some(format!("{} holds no email addresses.", file.name())));
                        return;
                    }
                    file_error.set(None);
                    let mut combined = text.get_untracked();
                    if !combined.trim().is_empty() {
                        combined.push('\n');
                    }
                    combined.push_str(&found.join("\n"));
                    on_input(combined);
                }
                Err(_) => file_error.set(Some(format!("{} could not be read.", file.name()))),
            }
        });
        input.set_value("");
    };
    let navigate = use_navigate();
    let next_error = RwSignal::new(None::<String>);

    view! {
        <h2>"2. People"</h2>
        <div class="roster-field">
            <label for="roster-invite-addresses">"Email addresses"</label>
            <textarea id="roster-invite-addresses" class="roster-input roster-textarea" rows="6"
                aria-describedby="roster-invite-addresses-hint"
                prop:value=move || text.get()
                on:input=move |ev| on_input(event_target_value(&ev))></textarea>
            <p id="roster-invite-addresses-hint" class="roster-muted">
                "Separate addresses with commas, spaces or new lines; a list pasted from a spreadsheet or an email works too."
            </p>
        </div>
        <div class="roster-field">
            <label for="roster-invite-csv">"Upload a CSV file"</label>
            <input id="roster-invite-csv" type="file" class="roster-input" accept=".csv,text/csv,text/plain"
                aria-describedby="roster-invite-csv-error" on:change=on_file />
            <p id="roster-invite-csv-error" class="roster-field__error">{move || file_error.get()}</p>
        </div>
        <Transition fallback=|| view! { <p class="roster-loading" role="status">"Checking addresses…"</p> }>
            {move || Suspend::new(async move {
                match checks.await {
                    Ok(list) if list.is_empty() => view! { <p class="roster-muted" role="status">"No addresses yet."</p> }.into_any(),
                    Ok(list) => {
                        let good = list.iter().filter(|c| c.problem.is_none()).count();
                        let bad = list.len() - good;
                        let rows = list.iter().map(|check| {
                            let (ok, reason) = check_line(check);
                            let class = if ok { "roster-result roster-result--ok" } else { "roster-result roster-result--failed" };
                            view! {
                                <li class=class>
                                    <span class="roster-result__email">{check.email.clone()}</span>
                                    <span class="roster-result__mark">{if ok { " — ok: " } else { " — cannot be invited: " }}</span>
                                    {reason}
                                </li>
                            }
                        }).collect_view();
                        view! {
                            <p class="roster-summary" role="status">
                                {format!("{} can be invited{}.", format::count(good as u64, "address", "addresses"),
                                    if bad > 0 { format!("; {} cannot", bad) } else { String::new() })}
                            </p>
                            <ul class="roster-plain-list roster-check-list" aria-label="Address check">{rows}</ul>
                        }.into_any()
                    }
                    Err(failure) => view! { <ErrorPanel message=failure.message() on_retry=Callback::new(move |()| checks.refetch()) /> }.into_any(),
                }
            })}
        </Transition>
        <p class="roster-error" role="alert">{move || next_error.get()}</p>
        <div class="roster-form__actions">
            <A href=app_href("/invite/accounts") attr:class="roster-button roster-button--quiet">"Back"</A>
            <button type="button" class="roster-button" on:click=move |_| {
                let any_good = checks.get().and_then(|r| r.ok()).is_some_and(|list| list.iter().any(|c| c.problem.is_none()));
                if any_good && settled.get_untracked() == wizard.with_untracked(Wizard::candidates) {
                    next_error.set(None);
                    navigate("/invite/review", NavigateOptions::default());
                } else if any_good {
                    next_error.set(Some("Still checking the addresses; try again in a moment.".to_owned()));
                } else {
                    next_error.set(Some("Enter at least one address that can be invited.".to_owned()));
                }
            }>"Next: review"</button>
        </div>
    }
}

#[component]
fn ReviewStep(wizard: RwSignal<Wizard>, sent: RwSignal<bool>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let results = RwSignal::new(Vec::<InviteResult>::new());
    // Batches answered so far; a failure stops there, and "Send invitations" resumes.
    let batches_done = RwSignal::new(0usize);
    let sending = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let addresses = Memo::new(move |_| {
        let mut seen = BTreeSet::new();
        wizard
            .with(Wizard::candidates)
            .into_iter()
            .filter(|a| seen.insert(a.trim().to_lowercase()))
            .collect::<Vec<_>>()
    });

    let send = move |_| {
        if sending.get_untracked() {
            return;
        }
        sending.set(true);
        failure.set(None);
        let api = api.clone();
        spawn_local(async move {
            let state = wizard.get_untracked();
            let all = addresses.get_untracked();
            let batches: Vec<Vec<String>> =
                all.chunks(SEND_BATCH).map(<[String]>::to_vec).collect();
            for (index, emails) in batches
                .iter()
                .enumerate()
                .skip(batches_done.get_untracked())
            {
                let batch = NewInvitations {
                    accounts: state.grants(),
                    emails: emails.clone(),
                };
                match api.invite(&batch, &format!("{}-{index}", state.run)).await {
                    Ok(answer) => {
                        results.update(|r| r.extend(answer.results));
                        batches_done.set(index + 1);
                    }
                    Err(error) => {
                        failure.set(Some(error.message()));
                        sending.set(false);
                        return;
                    }
                }
            }
            sending.set(false);
            sent.set(true);
            // Everything went: the draft is done with.
            wizard.set(Wizard::fresh());
        });
    };
    let total = move || addresses.with(Vec::len);
    let answered = move || results.with(Vec::len);

    view! {
        <h2>"3. Review and send"</h2>
        <Show when=move || !sent.get() fallback=move || view! { <SendResults results=results /> }>
            <h3>"Accounts and roles"</h3>
            {move || {
                let accounts = wizard.with(|w| w.accounts.clone());
                if accounts.is_empty() {
                    view! { <p>"No account: organization membership only."</p> }.into_any()
                } else {
                    view! { <ul class="roster-plain-list">{accounts.into_iter().map(|a| view! { <li>{format!("{} — {}", a.name, a.roles.describe())}</li> }).collect_view()}</ul> }.into_any()
                }
            }}
            <h3>{move || format!("People ({})", total())}</h3>
            <ul class="roster-plain-list roster-review-list">{move || addresses.get().into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
            {move || failure.get().map(|message| view! {
                <p class="roster-error" role="alert">{format!("{message} Nothing you entered is lost: send again to continue where it stopped.")}</p>
            })}
            {move || (sending.get() || answered() > 0).then(|| view! {
                <div class="roster-progress">
                    <label for="roster-invite-progress">{move || format!("Sent {} of {}", answered(), total())}</label>
                    <progress id="roster-invite-progress" max=move || total().to_string() prop:value=move || answered() as f64></progress>
                </div>
            })}
            <div class="roster-form__actions">
                <A href=app_href("/invite/people") attr:class="roster-button roster-button--quiet">"Back"</A>
                <button type="button" class="roster-button" disabled=move || sending.get() || total() == 0 on:click=send.clone()>
                    {move || if sending.get() { "Sending…" } else { "Send invitations" }}
                </button>
            </div>
        </Show>
    }
}

#[component]
fn SendResults(results: RwSignal<Vec<InviteResult>>) -> impl IntoView {
    let count = move |outcome: InviteOutcome| {
        results.with(|r| r.iter().filter(|x| x.outcome == outcome).count())
    };
    let rows = move || {
        results
            .get()
            .into_iter()
            .map(|r| {
                let (label, reason) = match r.outcome {
                    InviteOutcome::Invited => ("Invited", String::new()),
                    InviteOutcome::Reinvited => ("Re-invited", String::new()),
                    InviteOutcome::Failed => (
                        "Failed",
                        r.problem
                            .map(|p| p.message().to_owned())
                            .unwrap_or_default(),
                    ),
                };
                view! {
                    <tr>
                        <th scope="row">{r.email}</th>
                        <td>{label}</td>
                        <td>{reason}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <p class="roster-notice" role="status">
            {move || format!("{} invited, {} re-invited, {} failed.",
                count(InviteOutcome::Invited), count(InviteOutcome::Reinvited), count(InviteOutcome::Failed))}
        </p>
        <div class="roster-table-wrap">
            <table class="roster-table">
                <caption class="roster-visually-hidden">"Invitation results"</caption>
                <thead><tr><th scope="col">"Email"</th><th scope="col">"Result"</th><th scope="col">"Why"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <div class="roster-form__actions">
            <A href=app_href("/users/invited") attr:class="roster-button">"See invited users"</A>
            <A href=app_href("/invite/accounts") attr:class="roster-button roster-button--quiet">"Invite more people"</A>
        </div>
    }
}
