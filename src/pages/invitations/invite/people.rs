//! Step 2: the people to invite, typed, pasted or from a CSV file, checked with the server as they are typed.

use std::collections::HashMap;

use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_model::{
    addresses_from_csv, split_addresses, AddressCheck, InviteProblem, MAX_INVITE_EMAILS,
};
use wasm_bindgen::JsCast;

use super::{Wizard, CHECK_DELAY};
use crate::api::{ApiClient, ApiFailure};
use crate::components::ErrorPanel;
use crate::format;
use crate::reactive::{effect, local_resource};
use crate::router::{use_navigate, NavigateOptions, A};

/// Where an address came from in the uploaded files: each (file name, line) it was found on, in
/// order, by address in lower case.
type FileLines = HashMap<String, Vec<(String, usize)>>;

/// One line of the address check as the admin reads it.
fn check_line(check: &AddressCheck) -> &'static str {
    match check.problem {
        Some(problem) => problem.message(),
        None if check.reinvite => "Their earlier invitation expired: it is replaced by this one.",
        None if check.existing_user => "Already has a user: joins the organization on accepting.",
        None => "New person: a user is created and invited.",
    }
}

#[component]
pub(super) fn PeopleStep(wizard: RwSignal<Wizard>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let text = RwSignal::new(wizard.get_untracked().addresses);
    // The addresses as last checked, after typing paused.
    let settled = RwSignal::new(wizard.get_untracked().candidates());
    let pending: StoredValue<Option<TimeoutHandle>, LocalStorage> = StoredValue::new_local(None);
    // "Next" pressed: it goes on once the check of what the box holds now has answered.
    let next_wanted = RwSignal::new(false);
    // Why "Next" did not go on: nothing in the box can be invited (said at the box), or the
    // check failed (said apart: the box is not at fault).
    let nothing_to_invite = RwSignal::new(false);
    let check_failed = RwSignal::new(None::<String>);
    let forget_refusal = move || {
        nothing_to_invite.set(false);
        check_failed.set(None);
    };
    let on_input = move |value: String| {
        text.set(value.clone());
        wizard.update(|w| w.addresses = value.clone());
        // What Next said was about other addresses.
        forget_refusal();
        next_wanted.set(false);
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let handle =
            set_timeout_with_handle(move || settled.set(split_addresses(&value)), CHECK_DELAY).ok();
        pending.set_value(handle);
    };
    // Each answer comes with the addresses it is about, so nothing is judged on an older check.
    // Read again when invitations went meanwhile (a send the admin left the review of).
    let invitations_sent = expect_context::<crate::components::BulkRuns>().invitations_sent;
    let checks = local_resource(move || {
        invitations_sent.track();
        let candidates = settled.get();
        async move {
            let mut all = Vec::with_capacity(candidates.len());
            for chunk in candidates.chunks(MAX_INVITE_EMAILS) {
                match api.check_addresses(chunk).await {
                    Ok(checked) => all.extend(checked),
                    Err(failure) => return (candidates, Err(failure)),
                }
            }
            (candidates, Ok::<_, ApiFailure>(all))
        }
    });
    // Whether the box holds addresses the last answer is not about yet (typing, or checking).
    let stale = move || {
        let now = wizard.with(Wizard::candidates);
        checks.with(|answer| !matches!(answer, Some((checked, _)) if *checked == now))
    };
    let file_error = RwSignal::new(None::<String>);
    let file_lines = RwSignal::new(FileLines::new());
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
                    let name = file.name();
                    let found = addresses_from_csv(&content.as_string().unwrap_or_default());
                    if found.found.is_empty() {
                        file_error.set(Some(format!("{name} holds no email addresses.")));
                        return;
                    }
                    // The lines that hold no address are named; the others go on to the check.
                    file_error.set(match found.lines_without_address.as_slice() {
                        [] => None,
                        [line] => Some(format!("Line {line} of {name} holds no email address.")),
                        lines => Some(format!(
                            "Lines {} of {name} hold no email address.",
                            lines
                                .iter()
                                .map(usize::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    });
                    file_lines.update(|known| {
                        for found in &found.found {
                            // A cell may name its address (`Jane Doe <jane@…>`): known by the
                            // address the check answers for.
                            for address in split_addresses(&found.address) {
                                known
                                    .entry(address.trim().to_lowercase())
                                    .or_default()
                                    .push((name.clone(), found.line));
                            }
                        }
                    });
                    // Read after the admin may have left the page: its box went with it.
                    let Some(mut combined) = text.try_get_untracked() else {
                        return;
                    };
                    if !combined.trim().is_empty() {
                        combined.push('\n');
                    }
                    combined.push_str(&found.addresses().join("\n"));
                    on_input(combined);
                }
                Err(_) => file_error.set(Some(format!("{} could not be read.", file.name()))),
            }
        });
        input.set_value("");
    };
    let navigate = use_navigate();
    let addresses_field = NodeRef::<leptos::html::Textarea>::new();
    effect(move || {
        if !next_wanted.get() || stale() {
            return;
        }
        next_wanted.set(false);
        let verdict = checks.with(|answer| {
            answer.as_ref().map(|(_, result)| match result {
                Ok(list) => Ok(list.iter().any(|c| c.problem.is_none())),
                Err(failure) => Err(failure.message()),
            })
        });
        match verdict {
            Some(Ok(true)) => navigate("/invite/review", NavigateOptions::default()),
            Some(Ok(false)) => {
                nothing_to_invite.set(true);
                // The refusal is about the box: the admin is taken back to it.
                if let Some(field) = addresses_field.get_untracked() {
                    field.focus().ok();
                }
            }
            Some(Err(message)) => check_failed.set(Some(message)),
            None => {}
        }
    });
    let on_next = move |_| {
        forget_refusal();
        // Check what the box holds now, without waiting for typing to pause.
        let now = wizard.with_untracked(Wizard::candidates);
        if settled.get_untracked() != now {
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
            settled.set(now);
        }
        next_wanted.set(true);
    };

    view! {
        <h2 id=super::STEP_HEADING tabindex="-1">"2. People"</h2>
        <div class="roster-field">
            <label for="roster-invite-addresses">"Email addresses"</label>
            <textarea id="roster-invite-addresses" class="roster-input roster-textarea" rows="6" node_ref=addresses_field
                aria-describedby="roster-invite-addresses-hint roster-invite-addresses-error"
                aria-invalid=move || nothing_to_invite.get().then_some("true")
                prop:value=move || text.get()
                on:input=move |ev| on_input(event_target_value(&ev))></textarea>
            <p id="roster-invite-addresses-hint" class="roster-muted">
                "Separate addresses with commas, spaces or new lines; a list pasted from a spreadsheet or an email works too."
            </p>
            <p id="roster-invite-addresses-error" class="roster-field__error" role="alert">
                {move || nothing_to_invite.get().then_some("Enter at least one address that can be invited.")}
            </p>
        </div>
        <div class="roster-field">
            <label for="roster-invite-csv">"Upload a CSV file"</label>
            <input id="roster-invite-csv" type="file" class="roster-input" accept=".csv,text/csv,text/plain"
                aria-describedby="roster-invite-csv-error" on:change=on_file />
            <p id="roster-invite-csv-error" class="roster-field__error" aria-live="polite">{move || file_error.get()}</p>
        </div>
        // The last answer stays while the box's newer content is checked (marked busy, so the
        // list does not flicker); with no answer to show yet, it says the check is under way.
        {move || {
            let checking = stale();
            match checks.get().map(|(_, answer)| answer) {
                None => view! { <p class="roster-loading" role="status">"Checking addresses…"</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() && checking => view! { <p class="roster-loading" role="status">"Checking addresses…"</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="roster-muted" role="status">"No addresses yet."</p> }.into_any(),
                Some(Ok(list)) => {
                    let good = list.iter().filter(|c| c.problem.is_none()).count();
                    // A repeat is left out, not refused: its first mention counts.
                    let repeated = list.iter().filter(|c| c.problem == Some(InviteProblem::Duplicate)).count();
                    let bad = list.len() - good - repeated;
                    // An address written more than once is on as many lines. Files are added
                    // after what the box held: its last mentions are the files' lines, in order.
                    let mut left = HashMap::<String, usize>::new();
                    for check in &list {
                        *left.entry(check.email.to_lowercase()).or_default() += 1;
                    }
                    let rows = list.iter().map(|check| {
                        let reason = check_line(check);
                        let email = check.email.to_lowercase();
                        let after = left.get_mut(&email).map(|left| { *left -= 1; *left }).unwrap_or_default();
                        let from_file = file_lines.with(|known| known.get(&email).and_then(|lines| lines.len().checked_sub(after + 1).and_then(|at| lines.get(at))).cloned())
                            .map(|(name, line)| format!(" (line {line} of {name})"));
                        let (class, mark) = match check.problem {
                            None => ("roster-result roster-result--ok", " — ok: "),
                            Some(InviteProblem::Duplicate) => ("roster-result roster-result--repeated", " — left out: "),
                            Some(_) => ("roster-result roster-result--failed", " — cannot be invited: "),
                        };
                        view! {
                            <li class=class>
                                <span class="roster-result__email">{check.email.clone()}</span>
                                {from_file}
                                <span class="roster-result__mark">{mark}</span>
                                {reason}
                            </li>
                        }
                    }).collect_view();
                    view! {
                        <p class="roster-summary" role="status">
                            {format!("{} can be invited{}{}.", format::count(good as u64, "address", "addresses"),
                                if bad > 0 { format!("; {bad} cannot") } else { String::new() },
                                if repeated > 0 { format!("; {} left out", format::count(repeated as u64, "repeat", "repeats")) } else { String::new() })}
                        </p>
                        {checking.then(|| view! { <p class="roster-muted">"Checking the changes…"</p> })}
                        <ul class="roster-plain-list roster-check-list" aria-label="Address check" aria-busy=checking.to_string()>{rows}</ul>
                    }.into_any()
                }
                Some(Err(failure)) => view! { <ErrorPanel message=failure.message() on_retry=Callback::new(move |()| checks.refetch()) /> }.into_any(),
            }
        }}
        <p class="roster-error" role="alert">{move || check_failed.get()}</p>
        <div class="roster-form__actions">
            <A href="/invite/accounts" attr:class="roster-button roster-button--quiet">"Back"</A>
            <button type="button" class="roster-button" aria-busy=move || next_wanted.get().to_string() on:click=on_next>
                {move || if next_wanted.get() { "Checking…" } else { "Next: review" }}
            </button>
        </div>
    }
}
