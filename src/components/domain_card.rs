use leptos::prelude::*;
use roster_model::{lapsed_domain_removal_at, Domain, DomainState};

use super::{cancel_on_escape, deliberate_confirm, CopyButton};
use crate::format;

fn badge_class(state: DomainState) -> &'static str {
    match state {
        DomainState::Verified => "roster-badge roster-badge--success",
        DomainState::Pending => "roster-badge",
        DomainState::Failed | DomainState::Lapsed => "roster-badge roster-badge--warning",
    }
}

/// One claimed domain: its state, the TXT record to create (with copy buttons), what the last
/// check found, "Verify now", and removal behind a confirmation.
#[component]
pub fn DomainCard(
    #[prop(into)] domain: Signal<Domain>,
    /// A check or removal of this domain is under way.
    #[prop(into)]
    busy: Signal<bool>,
    /// Why the last action on this domain did not go through.
    #[prop(into)]
    error: Signal<Option<String>>,
    on_verify: Callback<i64>,
    on_remove: Callback<i64>,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let id = move || domain.with(|d| d.id);
    let name = move || domain.with(|d| d.name.clone());
    let heading_id = move || format!("roster-domain-{}", id());
    let focus_key = move || format!("remove-domain-{}", id());
    let txt_host = Signal::derive(move || domain.with(|d| d.txt_host.clone()));
    let txt_value = Signal::derive(move || domain.with(|d| d.txt_value.clone()));
    let state_note = move || {
        domain.with(|d| match d.state {
            DomainState::Verified => format!(
                "Verified since {}. Roster checks the record daily: keep it in place.",
                format::optional_date(d.verified_at)
            ),
            DomainState::Pending => {
                "Create the TXT record below at your DNS provider, then choose Verify now.".to_owned()
            }
            DomainState::Failed => {
                "The record was not found. Check it at your DNS provider (changes can take a while to spread), then verify again.".to_owned()
            }
            DomainState::Lapsed => format!(
                "The record has disappeared: people on this domain cannot be invited. Unless it verifies again, the domain is removed on {}.",
                format::date(lapsed_domain_removal_at(d.lapsed_at.unwrap_or(d.created_at)))
            ),
        })
    };
    view! {
        <article class="roster-domain" aria-labelledby=heading_id>
            <header class="roster-domain__header">
                <h2 id=heading_id class="roster-domain__name">{name}</h2>
                <span class=move || badge_class(domain.with(|d| d.state))>{move || domain.with(|d| d.state.label())}</span>
            </header>
            <p class="roster-muted">{state_note}</p>
            <dl class="roster-domain__record">
                <dt>"TXT record host"</dt>
                <dd>
                    <code class="roster-break">{move || txt_host.get()}</code>
                    <CopyButton text=txt_host label="Copy host" />
                </dd>
                <dt>"TXT record value"</dt>
                <dd>
                    <code class="roster-break">{move || txt_value.get()}</code>
                    <CopyButton text=txt_value label="Copy value" />
                </dd>
                <dt>"Last checked"</dt>
                <dd>{move || domain.with(|d| d.last_checked_at.map(format::date_time).unwrap_or_else(|| "Not yet".to_owned()))}</dd>
            </dl>
            {move || domain.with(|d| d.last_error.clone()).map(|problem| view! {
                <p class="roster-domain__problem">{problem}</p>
            })}
            <div class="roster-domain__actions">
                <button type="button" class="roster-button"
                    // The visible words first, as WCAG 2.5.3 (label in name) asks; then which domain.
                    aria-label=move || format!("{}: {}", verify_label(busy.get()), name())
                    // Not `disabled`: that would take keyboard focus away while the check runs.
                    aria-disabled=move || busy.get().to_string()
                    on:click=move |_| if !busy.get_untracked() { on_verify.run(id()) }>
                    {move || verify_label(busy.get())}
                </button>
                <Show when=move || confirming.get() fallback=move || view! {
                    <button type="button" class="roster-button roster-button--quiet" data-focus-key=focus_key
                        aria-label=move || format!("Remove {}", name())
                        on:click=move |_| confirming.set(true)>"Remove"</button>
                }>
                    // The question takes the button's place, and focus follows to Confirm (and
                    // back on Cancel): `dom::keep_focus_across_redraws`.
                    <span class="roster-confirm" on:keydown=cancel_on_escape(move || confirming.set(false))>
                        "Members on this domain stay, but nobody at it can be invited any more. "
                        // Not `disabled` while it works: focus stays until the card goes.
                        <button type="button" class="roster-button roster-button--danger" aria-disabled=move || busy.get().to_string()
                            data-focus-key=focus_key
                            on:click=deliberate_confirm(move || if !busy.get_untracked() { on_remove.run(id()) })>"Confirm removal"</button>
                        <button type="button" class="roster-button roster-button--quiet" data-focus-key=focus_key
                            on:click=move |_| confirming.set(false)>"Cancel"</button>
                    </span>
                </Show>
            </div>
            <p class="roster-error" role="alert">{move || error.get()}</p>
        </article>
    }
}

fn verify_label(busy: bool) -> &'static str {
    if busy {
        "Checking…"
    } else {
        "Verify now"
    }
}
