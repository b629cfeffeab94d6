//! The two questions of removing or deleting users: the consequences to confirm,
//! and the new owner of an account.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use roster_model::Consequence;

/// A checkbox per consequence; `ticked` holds the keys of those confirmed.
#[component]
pub fn ConsequenceChecklist(
    /// Prefix of the checkboxes' ids.
    #[prop(into)]
    id: String,
    #[prop(into)] legend: String,
    consequences: &'static [Consequence],
    ticked: RwSignal<BTreeSet<&'static str>>,
) -> impl IntoView {
    view! {
        <fieldset class="roster-checklist">
            <legend>{legend}</legend>
            {consequences.iter().map(|c| {
                let key = c.key;
                let input_id = format!("{id}-{key}");
                view! {
                    <div class="roster-checklist__item">
                        <input type="checkbox" id=input_id.clone() class="roster-checkbox"
                            prop:checked=move || ticked.with(|t| t.contains(key))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                ticked.update(|t| { if on { t.insert(key); } else { t.remove(key); } });
                            } />
                        <label for=input_id>{c.text}</label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// What a removal or deletion still needs before it can be confirmed, said beside its button
/// while that is disabled (out of the keyboard's reach, it could not tell why). `id` is what the
/// button's `aria-describedby` names while it is disabled (nothing is drawn once it is not).
#[component]
pub fn LeaveHint(
    #[prop(into)] id: String,
    /// Every consequence is ticked.
    #[prop(into)]
    all_ticked: Signal<bool>,
    /// Each account the users own has its new owner.
    #[prop(into)]
    owners_chosen: Signal<bool>,
) -> impl IntoView {
    let hint = move || match (all_ticked.get(), owners_chosen.get()) {
        (true, true) => None,
        (false, true) => Some("To continue, tick every consequence above."),
        (true, false) => Some("To continue, choose the new owner of each account."),
        (false, false) => Some(
            "To continue, tick every consequence above and choose the new owner of each account.",
        ),
    };
    move || hint().map(|hint| view! { <p id=id.clone() class="roster-muted">{hint}</p> })
}

/// "New owner of <account>": a choice among `options` (user id, label), kept in `owners`
/// (account id → new owner id); `on_pick` hears each choice with its label.
#[component]
pub fn OwnerSelect(
    #[prop(into)] id: String,
    account_id: i64,
    #[prop(into)] account: String,
    options: Vec<(i64, String)>,
    owners: RwSignal<BTreeMap<i64, i64>>,
    #[prop(optional)] on_pick: Option<Callback<(i64, String)>>,
) -> impl IntoView {
    let labels = options.clone();
    view! {
        <div class="roster-field">
            <label for=id.clone()>{format!("New owner of {account}")}</label>
            <select id=id class="roster-input" on:change=move |ev| {
                let value = event_target_value(&ev).parse::<i64>().ok();
                owners.update(|o| match value {
                    Some(owner) => { o.insert(account_id, owner); }
                    None => { o.remove(&account_id); }
                });
                if let (Some(pick), Some((id, label))) = (on_pick, value.and_then(|v| labels.iter().find(|(id, _)| *id == v))) {
                    pick.run((*id, label.clone()));
                }
            }>
                <option value="" prop:selected=move || owners.with(|o| !o.contains_key(&account_id))>"Choose…"</option>
                {options.into_iter().map(|(id, label)| view! {
                    <option value=id.to_string() prop:selected=move || owners.with(|o| o.get(&account_id) == Some(&id))>{label}</option>
                }).collect_view()}
            </select>
        </div>
    }
}
