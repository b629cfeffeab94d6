//! "Remove from organization" for many users at once: the consequences of removal confirmed once,
//! and a new owner for every account anyone selected owns.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use roster_model::{LeaveRequest, REMOVE_CONSEQUENCES};

use super::{owner_choices, owners_read, remember_owner_pick, with_chosen_owners};
use crate::api::{ApiClient, ApiFailure};
use crate::components::{
    ConsequenceChecklist, Dialog, ErrorPanel, LeaveHint, OwnerSelect, SearchBox,
};
use crate::reactive::{effect, local_resource, suspend};

/// How many pages of accounts (200 each) are read to find those the selection owns.
const MAX_ACCOUNT_PAGES: usize = 50;

/// Open while `removing` holds the selected users; `on_confirm` gets the consequences confirmed
/// and the owner choices.
#[component]
pub fn BulkRemoveDialog(
    removing: RwSignal<Option<Vec<i64>>>,
    on_confirm: Callback<LeaveRequest>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let ticked = RwSignal::new(BTreeSet::<&'static str>::new());
    let owners = RwSignal::new(BTreeMap::<i64, i64>::new());
    // Labels of the people chosen as owners, so a new search does not drop them from the lists.
    let chosen = RwSignal::new(BTreeMap::<i64, String>::new());
    let search = RwSignal::new(String::new());
    // The dialog stays mounted once opened: each selection it opens for (or closing it) starts
    // with nothing confirmed or chosen, so no tick or owner of a cancelled removal carries over.
    effect(move || {
        removing.track();
        ticked.set(BTreeSet::new());
        owners.set(BTreeMap::new());
        chosen.set(BTreeMap::new());
        search.set(String::new());
    });
    // The accounts the selected users own: (account id, account name, owner id, owner name).
    let owned = {
        local_resource(move || {
            let selection: BTreeSet<i64> = removing.get().unwrap_or_default().into_iter().collect();
            async move {
                let mut found = Vec::new();
                let mut cursor: Option<String> = None;
                for _ in 0..MAX_ACCOUNT_PAGES {
                    if selection.is_empty() {
                        break;
                    }
                    let page = api.accounts("", cursor.as_deref(), 200).await?;
                    found.extend(page.items.into_iter().filter_map(|a| {
                        let owner = a.owner?;
                        selection
                            .contains(&owner.id)
                            .then_some((a.id, a.name, owner.id, owner.name))
                    }));
                    match page.next_cursor {
                        Some(next) => cursor = Some(next),
                        None => break,
                    }
                }
                Ok::<_, ApiFailure>(found)
            }
        })
    };
    let focus_by_id = crate::dom::use_focus_by_id();
    let candidates = owner_choices(search, move || {
        removing.get().unwrap_or_default().into_iter().collect()
    });
    let owned_count = move || {
        owned
            .get()
            .and_then(Result::ok)
            .map_or(usize::MAX, |list| list.len())
    };
    let all_ticked = move || ticked.with(|t| t.len() == REMOVE_CONSEQUENCES.len());
    let owners_chosen = move || owners.with(|o| o.len()) == owned_count();
    // While the accounts they own are unknown (read, or failed to be), no owner is asked for yet.
    let owners_wanted = move || owned_count() != usize::MAX && !owners_chosen();
    let ready = move || all_ticked() && owners_chosen();
    let close = Callback::new(move |()| removing.set(None));
    let confirm = move |_| {
        if !ready() {
            return;
        }
        on_confirm.run(LeaveRequest::new(
            ticked.get_untracked(),
            owners.get_untracked(),
        ));
    };
    let count = move || removing.with(|r| r.as_ref().map_or(0, Vec::len));

    view! {
        <Dialog id="roster-bulk-remove-dialog" title="Remove the selected users from the organization?"
            open=Signal::derive(move || removing.with(Option::is_some)) on_close=close>
            <p>{move || format!("{} selected.", crate::format::count(count() as u64, "user is", "users are"))}</p>
            <ConsequenceChecklist id="roster-bulk-remove" legend="I have reviewed and acknowledge, for each of them:"
                consequences=&REMOVE_CONSEQUENCES ticked=ticked />
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Finding the accounts they own…"</p> }>
                {move || suspend(async move {
                    match owned.await {
                        Err(failure) => view! { <p class="roster-error" role="alert">{failure.message()}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="roster-muted">"None of them owns an account."</p> }.into_any(),
                        Ok(list) => view! {
                            <h3>"New owners"</h3>
                            <p class="roster-muted">"Choose who owns each account they own. Choosing its current owner keeps the account with them: it leaves the organization's control, and everyone else's access to it, and pending invitations to it, end."</p>
                            // Outside the candidates' wait, so typing keeps its focus while they load.
                            <SearchBox id="roster-bulk-remove-search" label="Find managed users" value=Signal::derive(move || search.get())
                                on_search=Callback::new(move |text: String| search.set(text)) />
                            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading managed users…"</p> }>
                                {move || {
                                    let list = list.clone();
                                    suspend(async move {
                                        let (found, failure) = owners_read(candidates.await);
                                        let people = chosen.with_untracked(|chosen| with_chosen_owners(found, chosen));
                                        let retry = failure.map(|message| view! {
                                            <ErrorPanel message=format!("The managed users could not be loaded: {message}")
                                                on_retry=Callback::new(move |()| {
                                                    candidates.refetch();
                                                    // Its panel goes: the search keeps the focus in the dialog.
                                                    focus_by_id("roster-bulk-remove-search");
                                                }) />
                                        });
                                        let selects = list.into_iter().map(|(account_id, account, owner_id, owner_name)| {
                                            let select_id = format!("roster-bulk-owner-{account_id}");
                                            let options: Vec<(i64, String)> = std::iter::once((owner_id, format!("{owner_name} keeps it (it leaves the organization)")))
                                                .chain(people.iter().cloned())
                                                .collect();
                                            view! {
                                                <OwnerSelect id=select_id account_id=account_id account=account options=options owners=owners
                                                    on_pick=remember_owner_pick(chosen, owner_id) />
                                            }
                                        }).collect_view();
                                        view! { {retry} {selects} }
                                    })
                                }}
                            </Transition>
                        }.into_any(),
                    }
                })}
            </Transition>
            <LeaveHint id="roster-bulk-remove-hint" all_ticked=Signal::derive(all_ticked)
                owners_chosen=Signal::derive(move || !owners_wanted()) />
            <div class="roster-form__actions">
                <button type="button" class="roster-button roster-button--danger" disabled=move || !ready()
                    aria-describedby=move || (!ready()).then_some("roster-bulk-remove-hint") on:click=confirm>"Remove from organization"</button>
                <button type="button" class="roster-button roster-button--quiet" on:click=move |_| close.run(())>"Cancel"</button>
            </div>
        </Dialog>
    }
}
