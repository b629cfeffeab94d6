use std::collections::BTreeSet;

use leptos::prelude::*;
use roster_model::{SortField, Timestamp, UserSummary, MAX_SELECT_ALL};

use super::user_table::sort_header;
use super::{cancel_on_escape, deliberate_confirm, SortState};
use crate::format;
use crate::router::A;

/// What an admin asked to do with invitations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationAction {
    Resend,
    Revoke,
}

/// The Invited tab's table: pending invitations with what they grant, a selection for bulk
/// actions (the rows ticked, or every invitation the list matches), and per-row Resend and Revoke
/// (revoking asks for confirmation first).
#[component]
pub fn InvitationTable(
    users: Vec<UserSummary>,
    sort: SortState,
    on_sort: Callback<SortField>,
    /// Called with the action and the invitation ids it is for.
    on_action: Callback<(InvitationAction, Vec<i64>)>,
    /// How many invitations the list matches, on every page, and whether counting stopped there
    /// (more match).
    total: (u64, bool),
    /// Called with the action for every invitation the list matches ("select all matching").
    on_all_matching: Callback<InvitationAction>,
    /// Whether an action is under way (buttons wait).
    #[prop(into)]
    busy: Signal<bool>,
) -> impl IntoView {
    let (total, total_capped) = total;
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let all_matching = RwSignal::new(false);
    // The row whose revocation waits for "Confirm revoke", and likewise the selection's.
    let confirming = RwSignal::new(None::<Vec<i64>>);
    let confirming_bulk = RwSignal::new(false);
    let page_ids: Vec<i64> = users
        .iter()
        .filter_map(|u| u.invitation.as_ref().map(|i| i.id))
        .collect();
    let on_page = page_ids.len() as u64;
    let all_ids = page_ids.clone();
    let all_selected = Signal::derive(move || {
        !all_ids.is_empty() && selected.with(|s| all_ids.iter().all(|id| s.contains(id)))
    });
    let toggle_all = move |checked: bool| {
        all_matching.set(false);
        selected.set(if checked {
            page_ids.iter().copied().collect()
        } else {
            BTreeSet::new()
        });
    };
    let act = move |action: InvitationAction, ids: Vec<i64>| {
        confirming.set(None);
        confirming_bulk.set(false);
        // Only what is acted on leaves the selection: one row's Resend keeps the others ticked.
        selected.update(|ticked| {
            ids.iter().for_each(|id| {
                ticked.remove(id);
            })
        });
        on_action.run((action, ids));
    };
    // The selection's action: the rows ticked, or everything the list matches.
    let act_on_selection = move |action: InvitationAction| {
        if all_matching.get_untracked() {
            confirming_bulk.set(false);
            all_matching.set(false);
            selected.set(BTreeSet::new());
            on_all_matching.run(action);
        } else {
            act(action, selected.get_untracked().into_iter().collect());
        }
    };

    let header =
        move |label: &'static str, field: SortField| sort_header(label, field, sort, on_sort, None);

    let rows = users
        .into_iter()
        .filter_map(|user| user.invitation.clone().map(|invitation| (user, invitation)))
        .map(|(user, invitation)| {
            let id = invitation.id;
            let email = user.email.clone();
            let invited_by = invitation
                .invited_by
                .as_ref()
                .map(|by| by.name.clone())
                .unwrap_or_else(|| "—".to_owned());
            let accounts = if invitation.accounts.is_empty() {
                view! { <span class="roster-muted">"Organization only"</span> }.into_any()
            } else {
                let items = invitation
                    .accounts
                    .iter()
                    .map(|a| view! { <li>{format!("{} — {}", a.name, a.roles.describe())}</li> })
                    .collect_view();
                view! { <ul class="roster-plain-list">{items}</ul> }.into_any()
            };
            let expires = expiry(invitation.expires_at, invitation.expired);
            let select_label = format!("Select invitation of {email}");
            let resend_label = format!("Resend invitation to {email}");
            let revoke_label = format!("Revoke invitation of {email}");
            view! {
                <tr>
                    <td>
                        <input type="checkbox" class="roster-checkbox" aria-label=select_label
                            prop:checked=move || selected.with(|s| s.contains(&id))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                all_matching.set(false);
                                selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                            } />
                    </td>
                    <th scope="row"><A href=format!("/users/{}", user.id) attr:class="roster-link">{email.clone()}</A></th>
                    <td>{invited_by}</td>
                    <td>{accounts}</td>
                    <td class="roster-date">{format::date(invitation.sent_at)}</td>
                    <td class="roster-date">{format::optional_date(invitation.last_sent_at)}</td>
                    <td class="roster-date">{expires}</td>
                    <td class="roster-row-actions">
                        <Show when=move || confirming.get() != Some(vec![id]) fallback=move || view! {
                            // Focus follows the question in Revoke's place and back
                            // (`dom::keep_focus_across_redraws`).
                            <span class="roster-confirm" on:keydown=cancel_on_escape(move || confirming.set(None))>
                                "Its link stops working. "
                                <button type="button" class="roster-button" data-focus-key=format!("revoke-{id}")
                                    on:click=deliberate_confirm(move || act(InvitationAction::Revoke, vec![id]))>"Confirm revoke"</button>
                                <button type="button" class="roster-button roster-button--quiet" data-focus-key=format!("revoke-{id}")
                                    on:click=move |_| confirming.set(None)>"Cancel"</button>
                            </span>
                        }>
                            // Not `disabled` while a request runs: that would take keyboard focus
                            // away, where it stays on the button (and follows its redraw).
                            <button type="button" class="roster-button roster-button--quiet" aria-label=resend_label.clone()
                                data-focus-key=format!("resend-{id}") aria-disabled=move || busy.get().to_string()
                                on:click=move |_| if !busy.get_untracked() { act(InvitationAction::Resend, vec![id]) }>"Resend"</button>
                            <button type="button" class="roster-button roster-button--quiet" aria-label=revoke_label.clone()
                                data-focus-key=format!("revoke-{id}") aria-disabled=move || busy.get().to_string()
                                on:click=move |_| if !busy.get_untracked() { confirming.set(Some(vec![id])) }>"Revoke"</button>
                        </Show>
                    </td>
                </tr>
            }
        })
        .collect_view();

    let count = move || {
        if all_matching.get() {
            total.min(MAX_SELECT_ALL as u64)
        } else {
            selected.with(BTreeSet::len) as u64
        }
    };
    // "Select all N matching" and "Clear selection" go once pressed: focus goes to the words that
    // say what they did.
    let status = NodeRef::<leptos::html::Span>::new();
    let focus_status = move || {
        if let Some(status) = status.get_untracked() {
            status.focus().ok();
        }
    };
    // Read by the buttons' state and, untracked, by their handlers.
    let unavailable = move || busy.get() || count() == 0;
    let unavailable_now = move || untrack(unavailable);
    view! {
        <div class="roster-bulk-bar" role="group" aria-label="Selected invitations">
            <span role="status" tabindex="-1" node_ref=status>{move || match count() {
                0 => "No invitations selected".to_owned(),
                n if all_matching.get() => format!("All {n} matching {} selected", noun(n)),
                n => format!("{} selected", format::count(n, "invitation", "invitations")),
            }}</span>
            // Every row of the page ticked, and more on other pages: offer them all.
            {move || (all_selected.get() && !all_matching.get() && total > on_page).then(|| {
                // "Select all" takes at most the server's limit, and says so past it.
                let label = if total > MAX_SELECT_ALL as u64 || total_capped {
                    let total = format::tally(total, total_capped);
                    format!("Select the first {MAX_SELECT_ALL} of {total} matching invitations")
                } else {
                    format!("Select all {total} matching {}", noun(total))
                };
                view! {
                    <button type="button" class="roster-button roster-button--quiet" on:click=move |_| {
                        all_matching.set(true);
                        focus_status();
                    }>
                        {label}
                    </button>
                }
            })}
            {move || all_matching.get().then(|| view! {
                <button type="button" class="roster-button roster-button--quiet" on:click=move |_| {
                    all_matching.set(false);
                    selected.set(BTreeSet::new());
                    focus_status();
                }>
                    "Clear selection"
                </button>
            })}
            // `aria-disabled`, not `disabled`, as the rows' buttons: the one just pressed keeps
            // focus while its request runs and the selection it emptied stays empty.
            <button type="button" class="roster-button roster-button--quiet" aria-disabled=move || unavailable().to_string()
                data-focus-key="resend-selected"
                on:click=move |_| if !unavailable_now() { act_on_selection(InvitationAction::Resend) }>"Resend selected"</button>
            <Show when=move || { confirming_bulk.get() && count() != 0 } fallback=move || view! {
                <button type="button" class="roster-button roster-button--quiet" aria-disabled=move || unavailable().to_string()
                    data-focus-key="revoke-selected"
                    on:click=move |_| if !unavailable_now() { confirming_bulk.set(true) }>"Revoke selected"</button>
            }>
                <span class="roster-confirm" on:keydown=cancel_on_escape(move || confirming_bulk.set(false))>
                    {move || format!("Revoke {}? Their links stop working. ", format::count(count(), "invitation", "invitations"))}
                    <button type="button" class="roster-button" data-focus-key="revoke-selected"
                        on:click=deliberate_confirm(move || act_on_selection(InvitationAction::Revoke))>"Confirm revoke"</button>
                    <button type="button" class="roster-button roster-button--quiet" data-focus-key="revoke-selected"
                        on:click=move |_| confirming_bulk.set(false)>"Cancel"</button>
                </span>
            </Show>
        </div>
        <div class="roster-table-wrap">
            <table class="roster-table">
                <caption class="roster-visually-hidden">"Invited users"</caption>
                <thead><tr>
                    <th scope="col">
                        <input type="checkbox" class="roster-checkbox" aria-label="Select all invitations on this page"
                            prop:checked=move || all_selected.get()
                            on:change=move |ev| toggle_all(event_target_checked(&ev)) />
                    </th>
                    {header("Email", SortField::Email)}
                    <th scope="col">"Invited by"</th>
                    <th scope="col">"Accounts and roles"</th>
                    {header("Sent", SortField::Date)}
                    <th scope="col">"Last re-sent"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col">"Actions"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn noun(count: u64) -> &'static str {
    if count == 1 {
        "invitation"
    } else {
        "invitations"
    }
}

/// When an invitation expires; a warning badge once it has.
pub fn expiry(expires_at: Timestamp, expired: bool) -> AnyView {
    let date = format::date(expires_at);
    if expired {
        view! { <span class="roster-badge roster-badge--warning">"Expired " {date}</span> }
            .into_any()
    } else {
        view! { <span>{date}</span> }.into_any()
    }
}
