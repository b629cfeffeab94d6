//! Step 3: review who will be invited (and, apart, who cannot be and why), then send in batches
//! with progress and a result per address.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_model::{
    AddressCheck, InviteOutcome, InviteProblem, InviteResult, NewInvitations, MAX_INVITE_EMAILS,
};

use super::{Wizard, SEND_BATCH};
use crate::api::{ApiClient, ApiFailure};
use crate::components::ErrorPanel;
use crate::reactive::{effect, local_resource};
use crate::router::A;

/// FNV-1a over the addresses of a batch: what tells two batches apart in an idempotency key.
fn fingerprint(emails: &[String]) -> u64 {
    emails
        .iter()
        .flat_map(|email| email.bytes().chain([b'\n']))
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// The words that say why Send is disabled.
const NOTHING_TO_SEND: &str = "roster-invite-nothing-to-send";

#[component]
pub(super) fn ReviewStep(
    wizard: RwSignal<Wizard>,
    sent: RwSignal<bool>,
    sent_meanwhile: RwSignal<Option<String>>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let results = RwSignal::new(Vec::<InviteResult>::new());
    // Batches answered so far; a failure stops there, and "Send invitations" resumes.
    let batches_done = RwSignal::new(0usize);
    let sending = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let entered = Memo::new(move |_| {
        let mut seen = BTreeSet::new();
        wizard
            .with(Wizard::candidates)
            .into_iter()
            .filter(|a| seen.insert(a.trim().to_lowercase()))
            .collect::<Vec<_>>()
    });
    // Checked again here (the review may be opened straight from its link): only the addresses
    // that can be invited are sent; the others are listed apart with their reasons.
    let checks = local_resource(move || {
        let all = entered.get();
        async move {
            let mut checked = Vec::with_capacity(all.len());
            for chunk in all.chunks(MAX_INVITE_EMAILS) {
                checked.extend(api.check_addresses(chunk).await?);
            }
            Ok::<Vec<AddressCheck>, ApiFailure>(checked)
        }
    });
    let checked = move || checks.get().and_then(Result::ok);
    let addresses = Memo::new(move |_| {
        checked()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c.problem.is_none())
            .map(|c| c.email)
            .collect::<Vec<_>>()
    });
    let refused = Memo::new(move |_| {
        checked()
            .unwrap_or_default()
            .into_iter()
            // A repeat (the same address written another way) is left out, not refused.
            .filter(|c| c.problem != Some(InviteProblem::Duplicate))
            .filter_map(|c| c.problem.map(|p| (c.email, p.message())))
            .collect::<Vec<_>>()
    });

    // Who was left out when the invitations went: the results say so beside the sent ones, once
    // the wizard (and with it the check) has started afresh.
    let not_invited = RwSignal::new(Vec::new());
    let events = StoredValue::new(expect_context::<crate::events::HostEvents>());
    let invitations_sent = expect_context::<crate::components::BulkRuns>().invitations_sent;
    let send = move |_| {
        if sending.get_untracked() {
            return;
        }
        not_invited.set(refused.get_untracked());
        let events = events.get_value();
        // Counted here, not read back from the page's signals: the admin may leave the page
        // while the batches go on, and its signals go with it.
        let mut failed = results.with_untracked(|all| failures(all));
        let mut answered = results.with_untracked(Vec::len);
        let state = wizard.get_untracked();
        let batches: Vec<Vec<String>> = addresses
            .with_untracked(|all| all.chunks(SEND_BATCH).map(<[String]>::to_vec).collect());
        let resume_at = batches_done.get_untracked();
        // The draft as the wizard kept it when this was sent: dropped if the admin has left the
        // wizard altogether once everything went (it would reopen on addresses already invited),
        // unless a wizard opened it since (it names its page) or it was changed.
        let sent_draft = serde_json::to_string(&state).unwrap_or_default();
        let drop_draft = crate::draft::draft_dropper(super::DRAFT);
        sending.set(true);
        failure.set(None);
        sent_meanwhile.set(None);
        let total = batches.iter().map(Vec::len).sum::<usize>();
        spawn_local(async move {
            let mut stopped = false;
            for (index, emails) in batches.iter().enumerate().skip(resume_at) {
                let batch = NewInvitations {
                    accounts: state.grants(),
                    emails: emails.clone(),
                };
                // The key names the batch's content too: sent again (after a failure, or from a
                // review opened anew, whose fresh check leaves out who was invited meanwhile) the
                // same batch replays its first answer, and a different one is a new request.
                let key = format!("{}-{index}-{:016x}", state.run, fingerprint(emails));
                match api.invite(&batch, &key).await {
                    Ok(answer) => {
                        failed += failures(&answer.results);
                        answered += answer.results.len();
                        results.update(|r| r.extend(answer.results));
                        batches_done.set(index + 1);
                    }
                    Err(error) => {
                        failure.set(Some(error.message()));
                        stopped = true;
                        break;
                    }
                }
            }
            sending.set(false);
            // Sent, whole or up to a failed batch: the lists read their counts again.
            invitations_sent.update(|n| *n += 1);
            let reviewing = results.try_with_untracked(|_| ()).is_some();
            if stopped {
                // Said on the review; on another step of the wizard, said there.
                if !reviewing {
                    let _ = sent_meanwhile.try_set(Some(format!(
                        "Sending stopped before the end: {} of {total} invitations went, {failed} of them failed. Review and send again to send the rest.",
                        answered
                    )));
                }
                return;
            }
            events.invitations_sent(answered - failed, failed);
            // Everything went: the draft is done with, unless the admin went back and changed it
            // meanwhile (then what they typed stays, and the review shows it anew), or left the
            // review (the wizard they are on keeps its draft; a review opened anew checks who
            // was invited meanwhile).
            let unchanged = wizard.try_with_untracked(|now| *now == state);
            match unchanged {
                Some(true) if reviewing => {
                    sent.set(true);
                    wizard.set(Wizard::fresh());
                }
                // On another step of the wizard, which keeps what it shows (its check reads the
                // addresses again): told there that they went.
                Some(_) if !reviewing => {
                    let _ = sent_meanwhile.try_set(Some(format!(
                        "Your invitations went: {} sent, {failed} failed.",
                        answered - failed
                    )));
                }
                Some(_) => {}
                None => drop_draft(&sent_draft),
            }
        });
    };
    let total = move || addresses.with(Vec::len);
    let answered = move || results.with(Vec::len);

    view! {
        <h2 id=super::STEP_HEADING tabindex="-1">"3. Review and send"</h2>
        <Show when=move || !sent.get() fallback=move || view! { <SendResults results=results not_invited=not_invited /> }>
            <h3>"Accounts and roles"</h3>
            {move || {
                let accounts = wizard.with(|w| w.accounts.clone());
                if accounts.is_empty() {
                    view! { <p>"No account: organization membership only."</p> }.into_any()
                } else {
                    view! { <ul class="roster-plain-list">{accounts.into_iter().map(|a| view! { <li>{format!("{} — {}", a.name, a.roles.describe())}</li> }).collect_view()}</ul> }.into_any()
                }
            }}
            {move || match checks.get() {
                None => view! { <p class="roster-loading" role="status">"Checking addresses…"</p> }.into_any(),
                Some(Err(failure)) => view! {
                    <ErrorPanel message=failure.message() on_retry=Callback::new(move |()| checks.refetch()) />
                }.into_any(),
                // Opened with nothing entered (its link, or Back and Forward after a send).
                Some(Ok(_)) if entered.with(Vec::is_empty) => view! {
                    <p class="roster-notice" id=NOTHING_TO_SEND>"No addresses to review: go Back to enter the people to invite."</p>
                }.into_any(),
                Some(Ok(_)) => view! {
                    <h3>{move || format!("People to invite ({})", total())}</h3>
                    <ul class="roster-plain-list roster-review-list">{move || addresses.get().into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
                    {move || (!refused.with(Vec::is_empty)).then(|| view! {
                        <h3>{move || format!("Not invited ({})", refused.with(Vec::len))}</h3>
                        <ul class="roster-plain-list roster-check-list">
                            {move || refused.get().into_iter().map(|(email, why)| view! {
                                <li class="roster-result roster-result--failed">
                                    <span class="roster-result__email">{email}</span>
                                    " — cannot be invited: " {why}
                                </li>
                            }).collect_view()}
                        </ul>
                    })}
                    {move || (total() == 0).then(|| view! {
                        <p class="roster-notice" id=NOTHING_TO_SEND>"None of these addresses can be invited: go Back to change them."</p>
                    })}
                }.into_any(),
            }}
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
                // Not while sending: the results would have nowhere to show.
                <A href="/invite/people" attr:class="roster-button roster-button--quiet"
                    attr:aria-disabled=move || sending.get().then_some("true")
                    on:click=move |ev: leptos::ev::MouseEvent| if sending.get_untracked() { ev.prevent_default() }>"Back"</A>
                // Not `disabled` while sending: that would take keyboard focus away (`send` ignores
                // a second press).
                <button type="button" class="roster-button" disabled=move || total() == 0
                    aria-describedby=move || (total() == 0 && checked().is_some()).then_some(NOTHING_TO_SEND)
                    aria-disabled=move || sending.get().to_string() on:click=send>
                    {move || if sending.get() { "Sending…" } else { "Send invitations" }}
                </button>
            </div>
        </Show>
    }
}

/// How many of `results` failed.
fn failures(results: &[InviteResult]) -> usize {
    results
        .iter()
        .filter(|r| r.outcome == InviteOutcome::Failed)
        .count()
}

#[component]
pub(super) fn SendResults(
    results: RwSignal<Vec<InviteResult>>,
    /// The addresses the review left out, with why.
    not_invited: RwSignal<Vec<(String, &'static str)>>,
) -> impl IntoView {
    let count = move |outcome: InviteOutcome| {
        results.with(|r| r.iter().filter(|x| x.outcome == outcome).count())
    };
    // The review's Send went with it: focus comes to what happened, where it fell.
    let summary = NodeRef::<leptos::html::P>::new();
    effect(move || {
        if let Some(summary) = summary.get() {
            crate::dom::focus_if_fell(&summary);
        }
    });
    let left_out = move || {
        not_invited
            .get()
            .into_iter()
            .map(|(email, why)| {
                view! {
                    <tr>
                        <th scope="row">{email}</th>
                        <td>"Not invited"</td>
                        <td>{why}</td>
                    </tr>
                }
            })
            .collect_view()
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
        <p class="roster-notice" role="status" tabindex="-1" node_ref=summary>
            {move || format!("{} invited, {} re-invited, {} failed.",
                count(InviteOutcome::Invited), count(InviteOutcome::Reinvited), count(InviteOutcome::Failed))}
            {move || not_invited.with(|left| (!left.is_empty()).then(|| format!(
                " {} could not be invited (listed with why).", left.len()
            )))}
        </p>
        <div class="roster-table-wrap">
            <table class="roster-table">
                <caption class="roster-visually-hidden">"Invitation results"</caption>
                <thead><tr><th scope="col">"Email"</th><th scope="col">"Result"</th><th scope="col">"Why"</th></tr></thead>
                <tbody>{rows}{left_out}</tbody>
            </table>
        </div>
        <div class="roster-form__actions">
            <A href="/users/invited" attr:class="roster-button">"See invited users"</A>
            <A href="/invite/accounts" attr:class="roster-button roster-button--quiet">"Invite more people"</A>
        </div>
    }
}
