//! Step 2: the people to invite, typed, pasted or from a CSV file, checked with the server as they are typed.

use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use roster_model::{addresses_from_csv, split_addresses, AddressCheck, MAX_INVITE_EMAILS};
use wasm_bindgen::JsCast;

use super::{Wizard, CHECK_DELAY};
use crate::api::{ApiClient, ApiFailure};
use crate::components::{app_href, ErrorPanel};
use crate::format;

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
pub(super) fn PeopleStep(wizard: RwSignal<Wizard>) -> impl IntoView {
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
