use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_model::Domain;

use crate::api::ApiClient;
use crate::components::{DomainCard, ErrorPanel, TextField};
use crate::draft::use_draft;
use crate::pages::use_title;
use crate::reactive::{effect, local_action, local_resource, suspend};

/// The claimed domains' list, where focus goes when a removed domain's card goes.
const DOMAIN_LIST: &str = "roster-domain-list";

/// The organization's domains: claim one, see the TXT record that proves it, verify it now, remove it.
#[component]
pub fn DomainsPage() -> impl IntoView {
    use_title(|| "Domains".to_owned());
    let api = expect_context::<ApiClient>();
    let loaded = { local_resource(move || async move { api.domains().await }) };
    // One signal per domain, so a check updates its card in place and keyboard focus stays put.
    let cards = RwSignal::new(Vec::<RwSignal<Domain>>::new());
    // Cards belong to the page, not to the run of the effect that makes them: the next run would
    // dispose of them, and the list would hold dead signals.
    let page = StoredValue::new(Owner::current());
    let new_card = move |domain: Domain| {
        page.with_value(|page| match page {
            Some(page) => page.with(|| RwSignal::new(domain)),
            None => RwSignal::new(domain),
        })
    };
    // Puts `domain` on its card, or on a new one: a card already drawn keeps its signal (the
    // list's rows are keyed by id, and a new signal for a drawn row would not be shown).
    let show = move |cards: &mut Vec<RwSignal<Domain>>, domain: Domain| match cards
        .iter()
        .find(|card| card.with_untracked(|d| d.id) == domain.id)
    {
        Some(card) => card.set(domain),
        None => cards.push(new_card(domain)),
    };
    // The domains added on this page: one added while the list was being read can be missing
    // from it, and its card stays.
    let added_here = StoredValue::new(BTreeSet::<i64>::new());
    effect(move || {
        if let Some(Ok(list)) = loaded.get() {
            cards.update(|cards| {
                let listed: BTreeSet<i64> = list.iter().map(|domain| domain.id).collect();
                cards.retain(|card| {
                    let id = card.with_untracked(|domain| domain.id);
                    listed.contains(&id) || added_here.with_value(|added| added.contains(&id))
                });
                for domain in list {
                    show(cards, domain);
                }
                cards.sort_by_key(|card| card.with_untracked(|d| d.name.clone()));
            });
        }
    });
    let name = use_draft("domain-name");
    let name_error = RwSignal::new(None::<String>);
    let announcement = RwSignal::new(String::new());
    // The domains a check or removal is running for, and the last failure of such an action on
    // each: several run at once, each on its own card.
    let working = RwSignal::new(BTreeSet::<i64>::new());
    let failures = RwSignal::new(BTreeMap::<i64, String>::new());

    let add = {
        local_action(move |name: &String| {
            let name = name.clone();
            async move { api.add_domain(&name).await }
        })
    };
    effect(move || match add.result() {
        Some(Ok(domain)) => {
            name.set(String::new());
            name_error.set(None);
            announcement.set(format!(
                "Added {}. Create its TXT record, then choose Verify now.",
                domain.name
            ));
            added_here.update_value(|added| {
                added.insert(domain.id);
            });
            cards.update(|cards| {
                show(cards, domain);
                cards.sort_by_key(|card| card.with_untracked(|d| d.name.clone()));
            });
        }
        Some(Err(failure)) => name_error.set(Some(failure.message())),
        None => {}
    });
    // The card of domain `id`, while the page (and the card) are there.
    let card_of = move |id: i64| {
        cards
            .try_with_untracked(|cards| {
                cards
                    .iter()
                    .find(|card| card.with_untracked(|d| d.id) == id)
                    .copied()
            })
            .flatten()
    };
    // An action on domain `id` starts: its card is busy until `finish` takes the answer.
    let start = move |id: i64| {
        working.update(|w| {
            w.insert(id);
        });
        failures.update(|f| {
            f.remove(&id);
        });
    };
    let finish = move |id: i64, failure: Option<String>| {
        working.update(|w| {
            w.remove(&id);
        });
        if let Some(message) = failure {
            failures.update(|f| {
                f.insert(id, message);
            });
        }
    };
    let on_verify = Callback::new(move |id: i64| {
        start(id);
        spawn_local(async move {
            match api.verify_domain(id).await {
                Ok(domain) => {
                    finish(id, None);
                    announcement.set(format!("{}: {}.", domain.name, domain.state.label()));
                    if let Some(card) = card_of(id) {
                        card.set(domain);
                    }
                }
                Err(error) => finish(id, Some(error.message())),
            }
        });
    });
    // Found from the task below, where no owner is current to find an embedded console's tree.
    let focus_by_id = crate::dom::use_focus_by_id();
    let on_remove = Callback::new(move |id: i64| {
        start(id);
        spawn_local(async move {
            match api.remove_domain(id).await {
                Ok(()) => {
                    finish(id, None);
                    let removed =
                        card_of(id).and_then(|card| card.try_with_untracked(|d| d.name.clone()));
                    cards.update(|cards| cards.retain(|card| card.with_untracked(|d| d.id) != id));
                    announcement.set(format!("Removed {}.", removed.unwrap_or_default()));
                    // The card and its buttons are gone: focus goes to the list, where a hurried
                    // second Enter does nothing (in the form's field it sent an empty domain).
                    focus_by_id(DOMAIN_LIST);
                }
                Err(error) => finish(id, Some(error.message())),
            }
        });
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A second Enter of a hurried press, after the domain went and the field emptied: nothing
        // to say "Enter a domain name." about.
        let just_added = matches!(add.result_untracked(), Some(Ok(_)));
        if just_added && name.with_untracked(|name| name.trim().is_empty()) {
            return;
        }
        add.dispatch(name.get_untracked());
    };
    let on_retry = Callback::new(move |()| loaded.refetch());

    view! {
        <section class="roster-page">
            <h1>"Domains"</h1>
            <p class="roster-muted">
                "People can be invited to the organization only at an email address on a verified domain. "
                "Claim your company's domain, add the TXT record shown to its DNS, and verify it. "
                "Roster checks every verified domain daily; one whose record disappears lapses, and is removed after 30 days."
            </p>
            <form class="roster-toolbar" on:submit=on_submit novalidate>
                <TextField id="roster-domain-name" label="Domain name" value=name error=name_error
                    hint="For example example.com. Internationalised names are fine." />
                <button type="submit" class="roster-button" disabled=move || add.pending().get()>"Add domain"</button>
            </form>
            <p class="roster-visually-hidden" role="status">{move || announcement.get()}</p>
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading domains…"</p> }>
                {move || suspend(async move {
                    match loaded.await {
                        Ok(_) => view! {
                            <section id=DOMAIN_LIST tabindex="-1" aria-label="Claimed domains">
                            <Show when=move || !cards.with(Vec::is_empty) fallback=|| view! {
                                <p class="roster-empty">"The organization has not claimed any domain yet."</p>
                            }>
                                <div class="roster-domains">
                                    <For each=move || cards.get() key=|card| card.with_untracked(|d| d.id) let:card>
                                        {
                                            let id = card.with_untracked(|d| d.id);
                                            view! {
                                                <DomainCard domain=card
                                                    busy=Signal::derive(move || working.with(|w| w.contains(&id)))
                                                    error=Signal::derive(move || failures.with(|f| f.get(&id).cloned()))
                                                    on_verify=on_verify on_remove=on_remove />
                                            }
                                        }
                                    </For>
                                </div>
                            </Show>
                            </section>
                        }.into_any(),
                        Err(failure) => view! { <ErrorPanel message=failure.message() on_retry=on_retry /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
