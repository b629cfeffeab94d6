//! The invite wizard: accounts and roles → people → review and send. Each step is a route
//! (`/invite/accounts`, `/invite/people`, `/invite/review`) and what the admin chose or typed is
//! kept as a draft, so reload, back and a session that ends mid-way lose nothing.

use std::time::Duration;

use leptos::prelude::*;
use roster_model::{split_addresses, AccountGrant, RoleSet};
use serde::{Deserialize, Serialize};

mod accounts;
mod people;
mod review;

use crate::draft::use_draft;
use crate::pages::{use_title, NotFound};
use crate::reactive::effect;
use crate::router::{use_params_map, A};

/// Addresses per request while sending: small enough to show progress on large lists.
const SEND_BATCH: usize = 200;
/// Typing must pause this long before the addresses are checked with the server.
const CHECK_DELAY: Duration = Duration::from_millis(400);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ChosenAccount {
    id: i64,
    name: String,
    roles: RoleSet,
}

/// Everything the wizard holds between steps (and across reloads, as a draft).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
struct Wizard {
    /// Names this run of the wizard: with a batch number it is the batch's Idempotency-Key, so a
    /// batch sent again after a lost answer is not invited twice.
    run: String,
    accounts: Vec<ChosenAccount>,
    addresses: String,
    /// Names the page the draft was last opened on: a send that ends after its page went drops
    /// the draft only if no wizard opened it since (`review`).
    #[serde(default)]
    opened: u64,
}

/// 48 random bits (the browser's `Math.random`).
fn random_48() -> u64 {
    (js_sys::Math::random() * 2f64.powi(48)) as u64
}

impl Wizard {
    fn fresh() -> Self {
        Wizard {
            run: format!("{:012x}{:012x}", random_48(), random_48()),
            ..Wizard::default()
        }
    }

    fn candidates(&self) -> Vec<String> {
        split_addresses(&self.addresses)
    }

    fn grants(&self) -> Vec<AccountGrant> {
        self.accounts
            .iter()
            .map(|a| AccountGrant {
                account_id: a.id,
                roles: a.roles,
            })
            .collect()
    }

    /// The first chosen account that has no role yet.
    fn account_without_role(&self) -> Option<&ChosenAccount> {
        self.accounts.iter().find(|a| a.roles.is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Accounts,
    People,
    Review,
}

impl Step {
    const ALL: [Step; 3] = [Step::Accounts, Step::People, Step::Review];

    fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|step| step.slug() == s)
    }

    fn slug(self) -> &'static str {
        match self {
            Step::Accounts => "accounts",
            Step::People => "people",
            Step::Review => "review",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Step::Accounts => "Accounts and roles",
            Step::People => "People",
            Step::Review => "Review and send",
        }
    }
}

/// The wizard's draft (`crate::draft`).
const DRAFT: &str = "invite";

/// The id of the step's heading.
const STEP_HEADING: &str = "roster-invite-step";

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let step = Memo::new(move |_| params.read().get("step").and_then(|s| Step::parse(&s)));
    use_title(move || {
        format!(
            "Invite users: {}",
            step.get().map(Step::title).unwrap_or("not found")
        )
    });
    let draft = use_draft(DRAFT);
    let wizard = RwSignal::new(
        serde_json::from_str::<Wizard>(&draft.get_untracked())
            .ok()
            .filter(|w| !w.run.is_empty())
            .unwrap_or_else(Wizard::fresh),
    );
    wizard.update(|w| w.opened = random_48());
    effect(move || {
        let state = wizard.get();
        if state.accounts.is_empty() && state.addresses.is_empty() {
            draft.set(String::new());
        } else if let Ok(json) = serde_json::to_string(&state) {
            draft.set(json);
        }
    });
    // Once sent, the wizard's results stay on screen while the draft is gone; going back to an
    // earlier step (the first, or People through the browser's Back) starts a new batch, whose
    // review must not read as the last one's "sent" (it showed no Send, and sent nothing).
    let sent = RwSignal::new(false);
    // What became of a send that ended while the admin was on another step (its review, where
    // the results show, was gone): said on whichever step they are on.
    let sent_meanwhile = RwSignal::new(None::<String>);
    // Said until the admin changes what to send or starts on the next invitation.
    let entered = Memo::new(move |_| wizard.with(|w| (w.accounts.clone(), w.addresses.clone())));
    effect(move || {
        entered.track();
        sent_meanwhile.set(None);
    });
    effect(move || {
        if matches!(step.get(), Some(Step::Accounts | Step::People)) {
            sent.set(false);
        }
        if step.get() == Some(Step::Accounts) {
            sent_meanwhile.set(None);
        }
    });

    // A step replaces the one whose button moved on (or Back): focus, fallen with the button,
    // goes to its heading rather than the top of the document, and a screen reader says where
    // the admin now is. Focus put elsewhere meanwhile (the check before "Next" can take a
    // moment) stays there.
    let focus_by_id = crate::dom::use_focus_by_id();
    Effect::new(move |shown: Option<Option<Step>>| {
        let now = step.get();
        if shown.is_some_and(|shown| shown != now) {
            request_animation_frame(move || {
                if crate::dom::focus_fell() {
                    focus_by_id(STEP_HEADING);
                }
            });
        }
        now
    });

    let known = Memo::new(move |_| step.get().is_some());
    move || {
        if !known.get() {
            return view! { <NotFound /> }.into_any();
        }
        view! {
            <section class="roster-page roster-invite">
                <h1>"Invite users"</h1>
                <ol class="roster-steps-nav" aria-label="Steps">
                    {Step::ALL.into_iter().enumerate().map(|(i, s)| view! {
                        <li aria-current=move || (step.get() == Some(s)).then_some("step")>
                            {format!("{}. {}", i + 1, s.title())}
                        </li>
                    }).collect_view()}
                </ol>
                <div role="status">
                    {move || sent_meanwhile.get().map(|text| view! {
                        <p class="roster-notice">{text}" "<A href="/users/invited" attr:class="roster-link">"See invited users"</A></p>
                    })}
                </div>
                {move || match step.get() {
                    Some(Step::Accounts) => view! { <AccountsStep wizard=wizard /> }.into_any(),
                    Some(Step::People) => view! { <PeopleStep wizard=wizard /> }.into_any(),
                    Some(Step::Review) | None => view! { <ReviewStep wizard=wizard sent=sent sent_meanwhile=sent_meanwhile /> }.into_any(),
                }}
            </section>
        }
        .into_any()
    }
}

use accounts::AccountsStep;
use people::PeopleStep;
use review::ReviewStep;
