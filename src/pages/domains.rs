use leptos::prelude::*;
use roster_model::Domain;

use crate::api::ApiClient;
use crate::components::{DomainCard, ErrorPanel, TextField};
use crate::draft::use_draft;
use crate::pages::use_title;

/// The organization's domains: claim one, see the TXT record that proves it, verify it now, remove it.
#[component]
pub fn DomainsPage() -> impl IntoView {
    use_title(|| "Domains".to_owned());
    let api = expect_context::<ApiClient>();
    let loaded = { LocalResource::new(move || async move { api.domains().await }) };
    // One signal per domain, so a check updates its card in place and keyboard focus stays put.
    let cards = RwSignal::new(Vec::<RwSignal<Domain>>::new());
    Effect::new(move |_| {
        if let Some(Ok(list)) = loaded.get() {
            cards.set(list.into_iter().map(RwSignal::new).collect());
        }
    });
    let name = use_draft("domain-name");
    let name_error = RwSignal::new(None::<String>);
    let announcement = RwSignal::new(String::new());
    // The domain a check or removal is running for, and the last failure of such an action.
    let working = RwSignal::new(None::<i64>);
    let failure = RwSignal::new(None::<(i64, String)>);

    let add = {
        Action::new_local(move |name: &String| {
            let name = name.clone();
            async move { api.add_domain(&name).await }
        })
    };
    Effect::new(move |_| match add.value().get() {
        Some(Ok(domain)) => {
            name.set(String::new());
            name_error.set(None);
            announcement.set(format!(
                "Added {}. Create its TXT record, then choose Verify now.",
                domain.name
            ));
            cards.update(|cards| {
                cards.push(RwSignal::new(domain));
                cards.sort_by_key(|card| card.with_untracked(|d| d.name.clone()));
            });
        }
        Some(Err(failure)) => name_error.set(Some(failure.message())),
        None => {}
    });
    let verify = {
        Action::new_local(move |id: &i64| {
            let id = *id;
            async move { (id, api.verify_domain(id).await) }
        })
    };
    Effect::new(move |_| {
        let Some((id, result)) = verify.value().get() else {
            return;
        };
        working.set(None);
        match result {
            Ok(domain) => {
                failure.set(None);
                announcement.set(format!("{}: {}.", domain.name, domain.state.label()));
                if let Some(card) = cards.with_untracked(|cards| {
                    cards
                        .iter()
                        .find(|card| card.with_untracked(|d| d.id) == id)
                        .copied()
                }) {
                    card.set(domain);
                }
            }
            Err(error) => failure.set(Some((id, error.message()))),
        }
    });
    let remove = Action::new_local(move |id: &i64| {
        let id = *id;
        async move { (id, api.remove_domain(id).await) }
    });
    Effect::new(move |_| {
        let Some((id, result)) = remove.value().get() else {
            return;
        };
        working.set(None);
        match result {
            Ok(()) => {
                let removed = cards.with_untracked(|cards| {
                    cards
                        .iter()
                        .find(|card| card.with_untracked(|d| d.id) == id)
                        .map(|card| card.with_untracked(|d| d.name.clone()))
                });
                cards.update(|cards| cards.retain(|card| card.with_untracked(|d| d.id) != id));
                announcement.set(format!("Removed {}.", removed.unwrap_or_default()));
                // The card and its buttons are gone: give focus to the form.
                if let Some(input) = crate::dom::element_by_id("roster-domain-name") {
                    let _ = input.focus();
                }
            }
            Err(error) => failure.set(Some((id, error.message()))),
        }
    });
    let on_verify = Callback::new(move |id: i64| {
        working.set(Some(id));
        verify.dispatch(id);
    });
    let on_remove = Callback::new(move |id: i64| {
        working.set(Some(id));
        remove.dispatch(id);
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
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
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(_) => view! {
                            <Show when=move || !cards.with(Vec::is_empty) fallback=|| view! {
                                <p class="roster-empty">"The organization has not claimed any domain yet."</p>
                            }>
                                <div class="roster-domains">
                                    <For each=move || cards.get() key=|card| card.with_untracked(|d| d.id) let:card>
                                        {
                                            let id = card.with_untracked(|d| d.id);
                                            view! {
                                                <DomainCard domain=card
                                                    busy=Signal::derive(move || working.get() == Some(id))
                                                    error=Signal::derive(move || failure.get().filter(|(at, _)| *at == id).map(|(_, message)| message))
                                                    on_verify=on_verify on_remove=on_remove />
                                            }
                                        }
                                    </For>
                                </div>
                            </Show>
                        }.into_any(),
                        Err(failure) => view! { <ErrorPanel message=failure.message() on_retry=on_retry /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
