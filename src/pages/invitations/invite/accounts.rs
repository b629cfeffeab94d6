//! Step 1 of the invite wizard: the accounts the invitations grant, and the roles on each.

use leptos::prelude::*;
use roster_model::{RoleSet, MAX_INVITE_ACCOUNTS};
use wasm_bindgen::JsCast;

use super::{ChosenAccount, Wizard};
use crate::api::ApiClient;
use crate::components::{use_missing_role, ErrorPanel, RolePicker, SearchBox};
use crate::reactive::{local_resource, suspend};
use crate::router::{use_navigate, NavigateOptions, A};

#[component]
pub(super) fn AccountsStep(wizard: RwSignal<Wizard>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let search = RwSignal::new(String::new());
    let found = local_resource(move || {
        let text = search.get();
        async move { api.accounts(&text, None, 20).await }
    });
    let refusal = RwSignal::new(None::<String>);
    let roles_asked = RwSignal::new(false);
    let missing_role = use_missing_role(roles_asked, move || {
        wizard.with(|w| {
            w.accounts
                .iter()
                .filter(|a| a.roles.is_empty())
                .map(|a| a.name.clone())
                .collect()
        })
    });
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
    let chosen_heading = NodeRef::<leptos::html::H3>::new();
    let remove = move |id: i64| {
        toggle(id, String::new(), false);
        // The row and its button went: focus goes to the count it changed.
        if let Some(heading) = chosen_heading.get_untracked() {
            heading.focus().ok();
        }
    };
    let next = move |_| {
        if wizard.with_untracked(|w| w.account_without_role().is_some()) {
            roles_asked.set(true);
        } else {
            navigate("/invite/people", NavigateOptions::default());
        }
    };

    view! {
        <h2 id=super::STEP_HEADING tabindex="-1">"1. Accounts and roles"</h2>
        <p class="roster-muted">
            {format!("Choose up to {MAX_INVITE_ACCOUNTS} of the organization's accounts and the roles the people get on each. With no account, they join the organization only.")}
        </p>
        <div class="roster-invite__columns">
            <div>
                <SearchBox id="roster-invite-account-search" label="Search accounts" value=Signal::derive(move || search.get())
                    on_search=Callback::new(move |text: String| search.set(text)) />
                <p class="roster-error" role="alert">{move || refusal.get()}</p>
                <div class="roster-invite__choices">
                <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading accounts…"</p> }>
                    {move || suspend(async move {
                        match found.await {
                            Ok(page) if page.items.is_empty() => view! { <p class="roster-empty" role="status">"No accounts match."</p> }.into_any(),
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
            </div>
            <div>
                <h3 tabindex="-1" node_ref=chosen_heading>{move || format!("Chosen: {} of {MAX_INVITE_ACCOUNTS}", wizard.with(|w| w.accounts.len()))}</h3>
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
                            on:click=move |_| remove(id)>"Remove"</button>
                    </div>
                </For>
            </div>
        </div>
        <p class="roster-error" role="alert">{missing_role}</p>
        <div class="roster-form__actions">
            <button type="button" class="roster-button" on:click=next>"Next: people"</button>
            // Cancel means the invitation is not wanted: its draft goes too, or the next "Invite
            // users" would start from the abandoned choices.
            <A href="/users/invited" attr:class="roster-button roster-button--quiet"
                on:click=move |_| wizard.set(Wizard::fresh())>"Cancel"</A>
        </div>
    }
}
