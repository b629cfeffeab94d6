//! The management controls of a managed user's page: two-factor requirement, password reset,
//! suspension, removal from the organization and deletion, each confirmed in a dialog.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use roster_model::{
    member_change_problem, Leave, LeaveRequest, MemberChange, OrgRole, UserDetail, UserStatus,
};

use super::{owner_choices, owners_read, remember_owner_pick, with_chosen_owners};
use crate::api::{ApiClient, ApiFailure};
use crate::components::{
    ConsequenceChecklist, Dialog, ErrorPanel, LeaveHint, OwnerSelect, SearchBox,
};
use crate::events::{HostEvents, UserChanged};
use crate::reactive::{effect, local_action, suspend};
use crate::session::SessionState;

/// The message that says what the last change did (or why it was refused).
const MESSAGE: &str = "roster-manage-message";

/// The button and dialog title of each way to leave.
fn verb(kind: Leave) -> &'static str {
    match kind {
        Leave::Remove => "Remove from organization",
        Leave::Delete => "Delete user",
    }
}

/// A removal or deletion being confirmed: which dialog is open, the consequences ticked, the new
/// owners chosen (with their labels) and the last refusal. Owned by the page, so all of it outlives
/// the reload that follows a refusal because someone else changed the user meanwhile.
#[derive(Clone, Copy)]
pub struct LeaveDraft {
    open: RwSignal<Option<Leave>>,
    ticked: RwSignal<BTreeSet<&'static str>>,
    owners: RwSignal<BTreeMap<i64, i64>>,
    chosen: RwSignal<BTreeMap<i64, String>>,
    error: RwSignal<Option<String>>,
}

impl LeaveDraft {
    pub fn new() -> Self {
        LeaveDraft {
            open: RwSignal::new(None),
            ticked: RwSignal::new(BTreeSet::new()),
            owners: RwSignal::new(BTreeMap::new()),
            chosen: RwSignal::new(BTreeMap::new()),
            error: RwSignal::new(None),
        }
    }

    /// Closes whichever dialog is open.
    pub fn close(&self) {
        self.open.set(None);
    }

    /// Opens the dialog of `kind` with nothing confirmed or chosen yet.
    fn start(&self, kind: Leave) {
        self.ticked.set(BTreeSet::new());
        self.owners.set(BTreeMap::new());
        self.chosen.set(BTreeMap::new());
        self.error.set(None);
        self.open.set(Some(kind));
    }
}

impl Default for LeaveDraft {
    fn default() -> Self {
        Self::new()
    }
}

/// Controls for one managed user. `on_changed` reloads the page's user (after a change, or when
/// someone else changed them meanwhile); `on_left` is told once the user has left the organization.
#[component]
pub fn ManageUser(
    detail: UserDetail,
    /// What the last action did (ok, text): owned by the page, so it outlives the reload.
    message: RwSignal<Option<(bool, String)>>,
    /// The id of the control to focus once the page shows the reloaded user (page-owned too).
    refocus_after: RwSignal<Option<&'static str>>,
    /// A removal or deletion being confirmed (page-owned too).
    leave: LeaveDraft,
    on_changed: Callback<()>,
    /// Set once a change has answered, until the user is read again (page-owned: a change made
    /// elsewhere on the page, such as its name, leaves these controls as stale as their own).
    settling: RwSignal<bool>,
    on_left: Callback<String>,
    /// The id of the user the page shows now (it may move on while an action is answered).
    shown: Signal<i64>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let id = detail.id;
    let version = detail.version;
    let name = detail.display_name();
    let required = detail.two_factor.required;
    let suspended = detail.status == UserStatus::Disabled;
    let enrolled = detail.two_factor.enrolled;
    // The rule the server applies, so the page offers only what it may do and says why not. The
    // count of Owners is left to the server (it answers the last Owner's case with its reason).
    let viewer = expect_context::<SessionState>().me_untracked();
    let target_role = detail.org_role.unwrap_or(OrgRole::Member);
    let refusal = |change| {
        viewer
            .as_ref()
            .and_then(|me| member_change_problem(me.role, me.user.id == id, target_role, 2, change))
    };
    let two_factor_refusal = refusal(MemberChange::RequireTwoFactor);
    let reset_refusal = refusal(MemberChange::ResetPassword);
    let reset_two_factor_refusal = refusal(MemberChange::ResetTwoFactor);
    let remove_refusal = refusal(MemberChange::Remove);
    let delete_refusal = refusal(MemberChange::Delete);
    let suspend_refusal = refusal(if suspended {
        MemberChange::Restore
    } else {
        MemberChange::Suspend
    });
    let mut limits: Vec<&'static str> = [
        two_factor_refusal,
        enrolled.then_some(reset_two_factor_refusal).flatten(),
        reset_refusal,
        suspend_refusal,
        remove_refusal,
        delete_refusal,
    ]
    .into_iter()
    .flatten()
    .collect();
    limits.dedup();
    // The page is rebuilt when the user reloads after a change: give focus back to the control
    // that made it, for keyboard and screen-reader users.
    effect(move || {
        if let Some(id) = refocus_after.get_untracked() {
            refocus_after.set(None);
            if let Some(element) = crate::dom::element_by_id(id) {
                let _ = element.focus();
            }
        }
    });
    // Stored, so the closure that reports stays Copy for each action's effect.
    let events = StoredValue::new(expect_context::<HostEvents>());
    // While `settling` (a change answered, the user not yet read again), these controls hold the
    // old version, and a hurried click would be refused as "someone else changed this user".
    // Marked aria-disabled and not acting, rather than disabled: a disabled button loses the
    // focus the reload gives back to it.
    let settling_attr = move || settling.get().then_some("true");
    // `refocus` is where focus goes once the user is read again: the switch that was pressed, or
    // after a dialog's change the message that says what it did (its opener may now do the
    // opposite: a hurried second Enter on "Suspend", drawn again as "Restore", opened it). An answer
    // that comes after the page moved on to another user tells the host, and nothing more: its
    // message and focus would land on that other user's page.
    let report = move |result: Result<(), ApiFailure>,
                       done: String,
                       change: UserChanged,
                       refocus: &'static str| {
        settling.set(true);
        if result.is_ok() {
            events.with_value(|events| events.user_changed(id, change));
        }
        if shown.try_get_untracked() != Some(id) {
            return;
        }
        refocus_after.set(Some(refocus));
        message.set(Some(match result {
            Ok(()) => (true, done),
            Err(failure) => (false, failure.message()),
        }));
        // After a refusal too: a stale version means someone else changed the user, so show
        // what is true now.
        on_changed.run(());
    };

    let toggle_two_factor = {
        local_action(move |on: &bool| {
            let on = *on;
            async move {
                (
                    on,
                    api.set_two_factor_required(id, version, on)
                        .await
                        .map(|_| ()),
                )
            }
        })
    };
    effect(move || {
        if let Some((on, result)) = toggle_two_factor.result() {
            let done = if on {
                "Two-factor sign-in is now required: they set it up at their next sign-in."
            } else {
                "Two-factor sign-in is no longer required."
            };
            let change = if on {
                UserChanged::TwoFactorRequired
            } else {
                UserChanged::TwoFactorNotRequired
            };
            report(result, done.to_owned(), change, "roster-require-two-factor");
        }
    });

    let reset_open = RwSignal::new(false);
    let reset = {
        local_action(move |()| async move { api.reset_password(id, version).await.map(|_| ()) })
    };
    effect(move || {
        if let Some(result) = reset.result() {
            reset_open.set(false);
            report(
                result,
                "Password reset: their old password no longer works, their sessions ended, and they were emailed a link to choose a new one.".to_owned(),
                UserChanged::PasswordReset,
                MESSAGE,
            );
        }
    });

    let reset_two_factor_open = RwSignal::new(false);
    let reset_two_factor = {
        local_action(move |()| async move { api.reset_two_factor(id, version).await.map(|_| ()) })
    };
    effect(move || {
        if let Some(result) = reset_two_factor.result() {
            reset_two_factor_open.set(false);
            report(
                result,
                "Two-factor sign-in reset: their app and recovery codes no longer work, and they were signed out everywhere.".to_owned(),
                UserChanged::TwoFactorReset,
                MESSAGE,
            );
        }
    });

    let suspend_open = RwSignal::new(false);
    let suspend = {
        local_action(move |()| async move {
            api.set_suspended(id, version, !suspended).await.map(|_| ())
        })
    };
    effect(move || {
        if let Some(result) = suspend.result() {
            suspend_open.set(false);
            let done = if suspended {
                "Restored: they can sign in again, with the accounts and roles they kept."
            } else {
                "Suspended: they were signed out everywhere, their API tokens ended, and they cannot sign in until restored."
            };
            let change = if suspended {
                UserChanged::Restored
            } else {
                UserChanged::Suspended
            };
            report(result, done.to_owned(), change, MESSAGE);
        }
    });
    let (suspend_verb, suspend_title, suspend_text) = if suspended {
        (
            "Restore",
            format!("Restore {name}?"),
            "They can sign in again at once, with their password and two-factor as they were, and with the accounts and roles they kept. API tokens that ended with the suspension stay ended.",
        )
    } else {
        (
            "Suspend",
            format!("Suspend {name}?"),
            "They are signed out everywhere at once, their API tokens end, and they cannot sign in until an Owner or Administrator restores them. They keep their accounts, roles and ownerships meanwhile.",
        )
    };

    let owned: Vec<(i64, String)> = detail
        .accounts
        .iter()
        .filter(|a| a.owner)
        .map(|a| (a.account.id, a.account.name.clone()))
        .collect();

    view! {
        <section class="roster-manage" aria-labelledby="roster-manage-title">
            <h2 id="roster-manage-title">"Security and membership"</h2>
            // Focus given to the message stays with it when the reloaded user's page replaces it.
            {move || message.get().map(|(ok, text)| if ok {
                view! { <p id=MESSAGE class="roster-notice" role="status" tabindex="-1" data-focus-key=MESSAGE>{text}</p> }.into_any()
            } else {
                view! { <p id=MESSAGE class="roster-error" role="alert" tabindex="-1" data-focus-key=MESSAGE>{text}</p> }.into_any()
            })}
            {(!limits.is_empty()).then(|| view! {
                <p id="roster-manage-limits" class="roster-muted">{limits.join(" ")}</p>
            })}
            <div class="roster-manage__row">
                <button type="button" role="switch" class="roster-switch" id="roster-require-two-factor"
                    aria-checked=required.to_string() aria-describedby="roster-two-factor-state"
                    disabled=move || two_factor_refusal.is_some() || toggle_two_factor.pending().get()
                    aria-disabled=settling_attr
                    on:click=move |_| if !settling.get_untracked() { toggle_two_factor.dispatch(!required); }>
                    <span class="roster-switch__track" aria-hidden="true"><span class="roster-switch__thumb"></span></span>
                    "Require two-factor authentication"
                </button>
                <p id="roster-two-factor-state" class="roster-muted">
                    {match (enrolled, required) {
                        (true, _) => "Enrolled: they sign in with a code from their app.",
                        (false, true) => "Not enrolled yet: they must set it up at their next sign-in.",
                        (false, false) => "Not enrolled.",
                    }}
                </p>
                {enrolled.then(|| view! {
                    <button type="button" id="roster-reset-two-factor" class="roster-button roster-button--quiet"
                        disabled=reset_two_factor_refusal.is_some() aria-disabled=settling_attr
                        on:click=move |_| if !settling.get_untracked() { reset_two_factor_open.set(true) }>
                        "Reset two-factor"
                    </button>
                })}
            </div>
            <div class="roster-manage__row">
                <button type="button" id="roster-reset-password" class="roster-button roster-button--quiet"
                    disabled=reset_refusal.is_some() aria-disabled=settling_attr
                    on:click=move |_| if !settling.get_untracked() { reset_open.set(true) }>"Reset password"</button>
                <p class="roster-muted">"Their old password stops working at once; they are emailed a link to choose a new one."</p>
            </div>
            <div class="roster-manage__row">
                <button type="button" id="roster-suspend" class="roster-button roster-button--quiet"
                    aria-describedby="roster-suspend-state"
                    disabled=suspend_refusal.is_some() aria-disabled=settling_attr
                    on:click=move |_| if !settling.get_untracked() { suspend_open.set(true) }>{suspend_verb}</button>
                <p id="roster-suspend-state" class="roster-muted">{if suspended {
                    "Suspended: they cannot sign in. They keep their accounts and roles."
                } else {
                    "Suspending signs them out and stops them signing in, without taking their access away."
                }}</p>
            </div>
            <div class="roster-manage__row roster-manage__danger">
                <button type="button" class="roster-button roster-button--danger" disabled=remove_refusal.is_some() aria-disabled=settling_attr
                    on:click=move |_| if !settling.get_untracked() { leave.start(Leave::Remove) }>"Remove from organization"</button>
                <button type="button" class="roster-button roster-button--danger" disabled=delete_refusal.is_some() aria-disabled=settling_attr
                    on:click=move |_| if !settling.get_untracked() { leave.start(Leave::Delete) }>"Delete user"</button>
            </div>
            <Dialog id="roster-reset-dialog" title=format!("Reset the password of {name}?")
                open=Signal::derive(move || reset_open.get()) on_close=Callback::new(move |()| reset_open.set(false))>
                <p>"Their old password stops working at once. They are signed out everywhere, their API tokens end, and they get an email with a link to choose a new password. The link works once, for 3 days."</p>
                <div class="roster-form__actions">
                    <button type="button" class="roster-button" disabled=move || reset.pending().get()
                        on:click=move |_| { reset.dispatch(()); }>"Reset password"</button>
                    <button type="button" class="roster-button roster-button--quiet" on:click=move |_| reset_open.set(false)>"Cancel"</button>
                </div>
            </Dialog>
            <Dialog id="roster-reset-two-factor-dialog" title=format!("Reset the two-factor sign-in of {name}?")
                open=Signal::derive(move || reset_two_factor_open.get()) on_close=Callback::new(move |()| reset_two_factor_open.set(false))>
                <p>"For someone who lost their phone. Their authenticator app and recovery codes stop working at once, and they are signed out everywhere. They sign in next with their password alone and, where two-factor is required, set it up again. Their password and API tokens stay as they are."</p>
                <div class="roster-form__actions">
                    <button type="button" class="roster-button" disabled=move || reset_two_factor.pending().get()
                        on:click=move |_| { reset_two_factor.dispatch(()); }>"Reset two-factor"</button>
                    <button type="button" class="roster-button roster-button--quiet" on:click=move |_| reset_two_factor_open.set(false)>"Cancel"</button>
                </div>
            </Dialog>
            <Dialog id="roster-suspend-dialog" title=suspend_title
                open=Signal::derive(move || suspend_open.get()) on_close=Callback::new(move |()| suspend_open.set(false))>
                <p>{suspend_text}</p>
                <div class="roster-form__actions">
                    <button type="button" class="roster-button" disabled=move || suspend.pending().get()
                        on:click=move |_| { suspend.dispatch(()); }>{suspend_verb}</button>
                    <button type="button" class="roster-button roster-button--quiet" on:click=move |_| suspend_open.set(false)>"Cancel"</button>
                </div>
            </Dialog>
            {[Leave::Remove, Leave::Delete].into_iter().map(|kind| view! {
                <LeaveDialog kind=kind user_id=id version=version name=name.clone() owned=owned.clone()
                    draft=leave
                    on_close=Callback::new(move |()| leave.close())
                    on_done=on_left
                    on_stale=on_changed />
            }).collect_view()}
        </section>
    }
}

/// The consequence checklist and the new owner of every owned account, then the action. The
/// button stays disabled until every box is ticked and every account has its new owner.
#[component]
fn LeaveDialog(
    kind: Leave,
    user_id: i64,
    version: i64,
    name: String,
    owned: Vec<(i64, String)>,
    draft: LeaveDraft,
    on_close: Callback<()>,
    on_done: Callback<String>,
    on_stale: Callback<()>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let LeaveDraft {
        open,
        ticked,
        owners,
        // Labels of the people chosen as owners, so a new search does not drop them from the lists.
        chosen,
        error,
    } = draft;
    let open = Signal::derive(move || open.get() == Some(kind));
    let search = RwSignal::new(String::new());
    let candidates = owner_choices(search, move || BTreeSet::from([user_id]));
    let owned_ids: StoredValue<Vec<i64>> =
        StoredValue::new(owned.iter().map(|(account_id, _)| *account_id).collect());
    // The owners chosen for the accounts the user owns now (a reload may have changed them).
    let new_owners = move || {
        owned_ids.with_value(|ids| {
            owners.with(|chosen| {
                ids.iter()
                    .map(|account_id| chosen.get(account_id).map(|owner| (*account_id, *owner)))
                    .collect::<Option<Vec<_>>>()
            })
        })
    };
    let all_ticked = move || ticked.with(|t| t.len() == kind.consequences().len());
    let ready = move || all_ticked() && new_owners().is_some();
    let submit = local_action(move |request: &LeaveRequest| {
        let request = request.clone();
        async move {
            match kind {
                Leave::Remove => api.remove_user(user_id, version, &request).await,
                Leave::Delete => api.delete_user(user_id, version, &request).await,
            }
        }
    });
    let done_name = name.clone();
    let events = expect_context::<HostEvents>();
    effect(move || match submit.result() {
        Some(Ok(())) => {
            events.user_changed(
                user_id,
                match kind {
                    Leave::Remove => UserChanged::Removed,
                    Leave::Delete => UserChanged::Deleted,
                },
            );
            let text = match kind {
                Leave::Remove => format!("{done_name} was removed from the organization."),
                Leave::Delete => format!("{done_name} was deleted."),
            };
            on_done.run(text);
        }
        Some(Err(failure)) => {
            error.set(Some(failure.message()));
            if failure.code() == Some(roster_model::ErrorCode::StaleVersion) {
                on_stale.run(());
            }
        }
        None => {}
    });
    let confirm = move |_| {
        let (true, Some(new_owners)) = (ready(), new_owners()) else {
            return;
        };
        submit.dispatch(LeaveRequest::new(ticked.get_untracked(), new_owners));
    };
    let prefix = match kind {
        Leave::Remove => "roster-remove",
        Leave::Delete => "roster-delete",
    };
    let focus_by_id = crate::dom::use_focus_by_id();
    let title = match kind {
        Leave::Remove => format!("Remove {name} from the organization?"),
        Leave::Delete => format!("Delete {name}?"),
    };
    let keep_label = format!("{name} keeps it (it leaves the organization)");
    // A refusal is said in the open dialog, which the user read again (someone else changed
    // them) draws anew: focus, fallen with the old one, goes to the reason.
    let error_text = NodeRef::<leptos::html::P>::new();
    effect(move || {
        if let Some(text) = error_text.get() {
            crate::dom::focus_if_fell(&text);
        }
    });

    view! {
        <Dialog id=format!("{prefix}-dialog") title=title open=open on_close=on_close>
            <ConsequenceChecklist id=prefix legend="I have reviewed and acknowledge:"
                consequences=kind.consequences() ticked=ticked />
            {(kind == Leave::Delete).then(|| view! {
                <p class="roster-muted">
                    "No account is deleted with the user. Accounts they own outside the organization stay as they are, "
                    "without an owner, until their own administrators choose one."
                </p>
            })}
            {(!owned.is_empty()).then(|| {
                let owned = owned.clone();
                let keep_label = keep_label.clone();
                view! {
                    <h3>"New owners"</h3>
                    <p class="roster-muted">{match kind {
                        Leave::Remove => "Choose who owns each account this user owns. Choosing the same user keeps the account with them: it leaves the organization's control, and everyone else's access to it, and pending invitations to it, end.",
                        Leave::Delete => "Choose another managed user to own each account this user owns.",
                    }}</p>
                    <SearchBox id=format!("{prefix}-owner-search") label="Find managed users" value=Signal::derive(move || search.get())
                        on_search=Callback::new(move |text: String| search.set(text)) />
                    <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading managed users…"</p> }>
                        {move || {
                            let owned = owned.clone();
                            let keep_label = keep_label.clone();
                            suspend(async move {
                                // Unread, the choices are keeping and those chosen already, beside
                                // the reason and "Try again" (an empty list said nothing).
                                let (found, failure) = owners_read(candidates.await);
                                let people = chosen.with_untracked(|chosen| with_chosen_owners(found, chosen));
                                let retry = failure.map(|message| view! {
                                    <ErrorPanel message=format!("The managed users could not be loaded: {message}")
                                        on_retry=Callback::new(move |()| {
                                            candidates.refetch();
                                            // Its panel goes: the search keeps the focus in the dialog.
                                            focus_by_id(&format!("{prefix}-owner-search"));
                                        }) />
                                });
                                let selects = owned.into_iter().map(|(account_id, account)| {
                                    let select_id = format!("{prefix}-owner-{account_id}");
                                    let keep = (kind == Leave::Remove).then(|| (user_id, keep_label.clone()));
                                    let options: Vec<(i64, String)> = keep.into_iter().chain(people.iter().cloned()).collect();
                                    view! {
                                        <OwnerSelect id=select_id account_id=account_id account=account options=options owners=owners
                                            on_pick=remember_owner_pick(chosen, user_id) />
                                    }
                                }).collect_view();
                                view! { {retry} {selects} }
                            })
                        }}
                    </Transition>
                }
            })}
            {move || error.get().map(|text| view! { <p class="roster-error" role="alert" tabindex="-1" node_ref=error_text>{text}</p> })}
            <LeaveHint id=format!("{prefix}-hint") all_ticked=Signal::derive(all_ticked)
                owners_chosen=Signal::derive(move || new_owners().is_some()) />
            <div class="roster-form__actions">
                <button type="button" class="roster-button roster-button--danger" disabled=move || !ready() || submit.pending().get()
                    aria-describedby=move || (!ready()).then(|| format!("{prefix}-hint")) on:click=confirm>{verb(kind)}</button>
                <button type="button" class="roster-button roster-button--quiet" on:click=move |_| on_close.run(())>"Cancel"</button>
            </div>
        </Dialog>
    }
}
