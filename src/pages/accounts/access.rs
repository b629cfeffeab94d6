use leptos::prelude::*;
use roster_model::{
    split_addresses, AccountInvite, AccountInviteOutcome, AccountInviteResult, AccountUser,
    Relation, RoleSet, DEFAULT_PAGE_SIZE,
};

use crate::api::{ApiClient, ApiFailure};
use crate::components::{
    cancel_on_escape, deliberate_confirm, expiry, Dialog, ErrorPanel, FailureBoundary, PagedTable,
    RolePicker, SearchBox, TableHeader,
};
use crate::format;
use crate::list::{list_href, use_list_query, use_replace_navigation, PageLinks};
use crate::pages::use_title;
use crate::reactive::{effect, local_action, local_resource, suspend};
use crate::router::{use_params_map, A};

/// What the open dialog is about.
#[derive(Clone, PartialEq)]
enum Open {
    Invite,
    Roles(AccountUser),
    Remove(AccountUser),
}

fn outcome_text(result: &AccountInviteResult) -> String {
    match result.outcome {
        AccountInviteOutcome::Granted => "Access given (a member of the organization).".to_owned(),
        AccountInviteOutcome::InvitedToOrganization => {
            "Invited to join the organization (the address is on its verified domain), with access to this account. The invitation is on the Invited tab."
                .to_owned()
        }
        AccountInviteOutcome::Invited => {
            "Invitation sent: they become an external user of this account when they accept."
                .to_owned()
        }
        AccountInviteOutcome::Failed => result.message.clone().unwrap_or_default(),
    }
}

/// An account's "User access" page: everyone who can use the account and their roles, changing
/// roles and removing access, "Invite users", and the invitations waiting for an answer.
#[component]
pub fn AccountAccessPage() -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let params = use_params_map();
    let account_id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    });
    let state = use_list_query();
    let navigate = use_replace_navigation();
    let invite = {
        local_action(move |request: &AccountInvite| {
            let request = request.clone();
            async move {
                api.invite_to_account(account_id.get_untracked(), &request)
                    .await
            }
        })
    };
    let save_roles = {
        local_action(move |(user, roles): &(AccountUser, RoleSet)| {
            let (user, roles) = (user.clone(), *roles);
            async move {
                let result = api
                    .set_account_roles(account_id.get_untracked(), user.user.id, roles)
                    .await;
                (user, result)
            }
        })
    };
    let remove = {
        local_action(move |user: &AccountUser| {
            let user = user.clone();
            async move {
                let result = api
                    .remove_account_access(account_id.get_untracked(), user.user.id)
                    .await;
                (user, result)
            }
        })
    };
    let invitation_action = local_action(move |(id, resend): &(i64, bool)| {
        let (id, resend) = (*id, *resend);
        async move {
            let answer = if resend {
                api.resend_invitations(&[id]).await
            } else {
                api.revoke_invitations(&[id]).await
            };
            (resend, answer)
        }
    });
    // Each list is read again when a change that can alter it has finished.
    let account = {
        local_resource(move || {
            save_roles.version().track();
            remove.version().track();
            invite.version().track();
            let id = account_id.get();
            async move { api.account(id).await }
        })
    };
    let loaded = move || account.get().and_then(Result::ok);
    let heading = move || {
        loaded()
            .map(|a| format!("User access — {}", a.name))
            .unwrap_or_else(|| "User access".to_owned())
    };
    use_title(heading);
    let people = {
        local_resource(move || {
            save_roles.version().track();
            remove.version().track();
            invite.version().track();
            let id = account_id.get();
            let query = state.get();
            let (search, cursor, page) = (query.search(), query.cursor(), query.page());
            async move {
                let result = api
                    .account_users(id, &search, cursor.as_deref(), DEFAULT_PAGE_SIZE)
                    .await;
                (search, page, result)
            }
        })
    };
    let invitations = {
        local_resource(move || {
            save_roles.version().track();
            remove.version().track();
            invite.version().track();
            invitation_action.version().track();
            let id = account_id.get();
            async move { api.account_invitations(id).await }
        })
    };
    let open = RwSignal::new(None::<Open>);
    // The pending invitation whose revocation waits for "Confirm revoke".
    let confirming_revoke = RwSignal::new(None::<i64>);
    let message = RwSignal::new(None::<Notice>);
    let dialog_error = RwSignal::new(None::<String>);
    let emails = RwSignal::new(String::new());
    let invite_roles = RwSignal::new(RoleSet::EMPTY);
    let edit_roles = RwSignal::new(RoleSet::EMPTY);
    let invite_results = RwSignal::new(Vec::<AccountInviteResult>::new());
    let close = Callback::new(move |()| {
        open.set(None);
        dialog_error.set(None);
    });
    // Whether the dialog open now is the one that acted on `user` (removing, or changing roles):
    // an answer that comes after the admin closed it and opened another neither closes that one
    // nor fills it in.
    let open_for = move |user: &AccountUser, removing: bool| {
        open.with_untracked(|open| match open {
            Some(Open::Roles(shown)) if !removing => shown.user.id == user.user.id,
            Some(Open::Remove(shown)) if removing => shown.user.id == user.user.id,
            _ => false,
        })
    };
    let changed = move |user: &AccountUser, removing: bool, text: String| {
        // A removed person's row goes: focus on their "Remove access" follows to the notice.
        let focus_key = removing.then(|| remove_key(user.user.id));
        message.set(Some(Notice::done(text, focus_key)));
        if open_for(user, removing) {
            open.set(None);
        }
    };
    let refused = move |user: &AccountUser, removing: bool, failure: ApiFailure| {
        if open_for(user, removing) {
            dialog_error.set(Some(failure.message()));
        } else {
            message.set(Some(Notice::failed(format!(
                "{}: {}",
                user.user.name,
                failure.message()
            ))));
        }
    };

    // The invite's results take focus when they come, so each line is read out (the dialog
    // stays open, with what failed left in the box).
    let results_list = NodeRef::<leptos::html::Ul>::new();
    effect(move || {
        if let Some(list) = results_list.get() {
            let _ = list.focus();
        }
    });
    effect(move || match invite.result() {
        Some(Ok(results)) => {
            dialog_error.set(None);
            // What failed stays in the box, to fix and send again.
            let failed: Vec<String> = results
                .iter()
                .filter(|r| r.outcome == AccountInviteOutcome::Failed)
                .map(|r| r.email.clone())
                .collect();
            emails.set(failed.join("\n"));
            invite_results.set(results);
        }
        // Only the invite dialog shows the invite's failure.
        Some(Err(failure)) if open.with_untracked(|o| o == &Some(Open::Invite)) => {
            dialog_error.set(Some(failure.message()))
        }
        Some(Err(failure)) => message.set(Some(Notice::failed(failure.message()))),
        None => {}
    });
    effect(move || match save_roles.result() {
        Some((user, Ok(()))) => {
            changed(&user, false, format!("Roles of {} saved.", user.user.name))
        }
        Some((user, Err(failure))) => refused(&user, false, failure),
        None => {}
    });
    effect(move || match remove.result() {
        Some((user, Ok(()))) => changed(
            &user,
            true,
            format!("{} no longer has access.", user.user.name),
        ),
        Some((user, Err(failure))) => refused(&user, true, failure),
        None => {}
    });
    effect(move || match invitation_action.result() {
        Some((resend, Ok(answer))) => {
            let first = answer.results.into_iter().next();
            match first {
                Some(result) if result.ok => {
                    let email = result.email.unwrap_or_default();
                    let notice = if resend {
                        Notice::done(format!("Invitation sent again to {email}."), None)
                    } else {
                        // Its row goes: focus on its "Revoke" follows here.
                        let text = format!("Invitation to {email} revoked.");
                        Notice::done(text, Some(revoke_key(result.id)))
                    };
                    message.set(Some(notice));
                }
                Some(result) => {
                    message.set(Some(Notice::failed(result.message.unwrap_or_default())))
                }
                None => {}
            }
        }
        Some((_, Err(failure))) => message.set(Some(Notice::failed(failure.message()))),
        None => {}
    });

    let on_search = Callback::new(move |text: String| {
        if text.trim() != state.get_untracked().search().trim() {
            navigate(&list_href(
                &format!("/accounts/{}", account_id.get_untracked()),
                &text,
                None,
                1,
            ));
        }
    });
    let search_value = Signal::derive(move || state.read().search());
    let account_name = move || {
        account
            .get()
            .and_then(Result::ok)
            .map(|a| a.name)
            .unwrap_or_default()
    };
    let open_invite = move |_| {
        // What the last change said gives way to the next (its focus key too, which another
        // control of the same person would follow to).
        message.set(None);
        invite_results.set(Vec::new());
        dialog_error.set(None);
        open.set(Some(Open::Invite));
    };
    let on_send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if invite.pending().get_untracked() {
            return;
        }
        let list = split_addresses(&emails.get_untracked());
        if list.is_empty() {
            dialog_error.set(Some("Enter at least one email address.".to_owned()));
            return;
        }
        if invite_roles.get_untracked().is_empty() {
            dialog_error.set(Some("Choose at least one role.".to_owned()));
            return;
        }
        invite.dispatch(AccountInvite {
            emails: list,
            roles: invite_roles.get_untracked(),
        });
    };
    let on_retry = Callback::new(move |()| {
        account.refetch();
        people.refetch();
    });

    let facts = move || {
        suspend(async move {
            account.await.map(|account| {
                view! {
                    <dl class="roster-facts">
                        <div><dt>"Account SID"</dt><dd><code>{account.sid.clone()}</code></dd></div>
                        <div><dt>"Status"</dt><dd>{account.status.label()}</dd></div>
                        <div><dt>"Owner"</dt><dd>{account.owner.map(|o| o.name).unwrap_or_else(|| "—".to_owned())}</dd></div>
                        <div><dt>"People with access"</dt><dd>{account.user_count}</dd></div>
                    </dl>
                }
            })
        })
    };

    let people_table = move || {
        suspend(async move {
            let (search, page_number, result) = people.await;
            let id = account_id.get_untracked();
            match result {
                Ok(page) => {
                    let links =
                        PageLinks::of(page_number, &page, DEFAULT_PAGE_SIZE, |cursor, to| {
                            list_href(&format!("/accounts/{id}"), &search, cursor, to)
                        });
                    let rows = page
                        .items
                        .into_iter()
                        .map(|person| {
                            let name = person.user.name.clone();
                            let is_member = person.relation == Relation::Managed;
                            let name_cell = if is_member {
                                let label = name.clone();
                                view! { <A href=format!("/users/{}", person.user.id) attr:class="roster-link">{label}</A> }.into_any()
                            } else {
                                let label = name.clone();
                                view! { <span>{label}</span> }.into_any()
                            };
                            let relation = if is_member {
                                view! { <span class="roster-badge">"Member"</span> }.into_any()
                            } else {
                                view! { <span class="roster-badge roster-badge--warning">"External"</span> }.into_any()
                            };
                            let for_roles = person.clone();
                            let for_remove = person.clone();
                            let actions = if person.owner {
                                view! { <span>"Owner"</span> }.into_any()
                            } else {
                                view! {
                                    <button type="button" class="roster-button roster-button--quiet"
                                        aria-label=format!("Change roles of {name}")
                                        data-focus-key=format!("roles-{}", person.user.id)
                                        on:click=move |_| {
                                            message.set(None);
                                            edit_roles.set(for_roles.roles);
                                            dialog_error.set(None);
                                            open.set(Some(Open::Roles(for_roles.clone())));
                                        }>"Change roles"</button>
                                    <button type="button" class="roster-button roster-button--quiet"
                                        aria-label=format!("Remove access of {name}")
                                        data-focus-key=remove_key(person.user.id)
                                        on:click=move |_| {
                                            message.set(None);
                                            dialog_error.set(None);
                                            open.set(Some(Open::Remove(for_remove.clone())));
                                        }>"Remove access"</button>
                                }
                                .into_any()
                            };
                            view! {
                                <tr>
                                    <th scope="row">{name_cell}</th>
                                    <td>{person.user.email.clone()}</td>
                                    <td>{relation}</td>
                                    <td>{person.roles.describe()}</td>
                                    <td class="roster-actions">{actions}</td>
                                </tr>
                            }
                        })
                        .collect_view();
                    view! {
                        <PagedTable summary=format::count(page.total, "person", "people")
                            caption="People with access to this account" links=links pager_label="People list pages">
                            <TableHeader slot>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Relation"</th>
                                <th scope="col">"Roles"</th>
                                <th scope="col">"Actions"</th>
                            </TableHeader>
                            {rows}
                        </PagedTable>
                    }
                    .into_any()
                }
                Err(failure) => {
                    view! { <ErrorPanel message=failure.message() on_retry=on_retry /> }.into_any()
                }
            }
        })
    };

    let pending_table = move || {
        suspend(async move {
            match invitations.await {
                Ok(list) if list.is_empty() => view! {
                    <p class="roster-empty">"No invitations to this account are waiting for an answer."</p>
                }
                .into_any(),
                Ok(list) => {
                    let rows = list
                        .into_iter()
                        .map(|invitation| {
                            let id = invitation.id;
                            let email = invitation.email.clone();
                            let expires = expiry(invitation.expires_at, invitation.expired);
                            view! {
                                <tr>
                                    <th scope="row">{invitation.email.clone()}</th>
                                    <td>{invitation.roles.describe()}</td>
                                    <td>{invitation.invited_by.map(|by| by.name).unwrap_or_else(|| "—".to_owned())}</td>
                                    <td>{format::date(invitation.sent_at)}</td>
                                    <td>{expires}</td>
                                    <td class="roster-actions">
                                        // Revoking asks first, as on the Invited tab: its link stops working.
                                        // Focus follows the question in Revoke's place and back, and to
                                        // the notice of the revocation when the row goes
                                        // (`dom::keep_focus_across_redraws`).
                                        {move || if confirming_revoke.get() == Some(id) {
                                            view! {
                                                <span class="roster-confirm" on:keydown=cancel_on_escape(move || confirming_revoke.set(None))>
                                                    "Its link stops working. "
                                                    <button type="button" class="roster-button" data-focus-key=revoke_key(id)
                                                        on:click=deliberate_confirm(move || {
                                                            confirming_revoke.set(None);
                                                            invitation_action.dispatch((id, false));
                                                        })>"Confirm revoke"</button>
                                                    <button type="button" class="roster-button roster-button--quiet" data-focus-key=revoke_key(id)
                                                        on:click=move |_| confirming_revoke.set(None)>"Cancel"</button>
                                                </span>
                                            }.into_any()
                                        } else {
                                            let email = email.clone();
                                            view! {
                                                // Not `disabled` while a request runs: that would take
                                                // keyboard focus away.
                                                <button type="button" class="roster-button roster-button--quiet"
                                                    aria-label=format!("Resend the invitation to {email}")
                                                    data-focus-key=format!("resend-invitation-{id}")
                                                    aria-disabled=move || invitation_action.pending().get().to_string()
                                                    on:click=move |_| if !invitation_action.pending().get_untracked() {
                                                        invitation_action.dispatch((id, true));
                                                    }>"Resend"</button>
                                                <button type="button" class="roster-button roster-button--quiet"
                                                    aria-label=format!("Revoke the invitation to {email}")
                                                    data-focus-key=revoke_key(id)
                                                    aria-disabled=move || invitation_action.pending().get().to_string()
                                                    on:click=move |_| if !invitation_action.pending().get_untracked() {
                                                        confirming_revoke.set(Some(id));
                                                    }>"Revoke"</button>
                                            }.into_any()
                                        }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view();
                    view! {
                        <div class="roster-table-wrap">
                            <table class="roster-table">
                                <caption class="roster-visually-hidden">"Invitations to this account"</caption>
                                <thead><tr>
                                    <th scope="col">"Email"</th>
                                    <th scope="col">"Roles"</th>
                                    <th scope="col">"Invited by"</th>
                                    <th scope="col">"Sent"</th>
                                    <th scope="col">"Expires"</th>
                                    <th scope="col">"Actions"</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    }
                    .into_any()
                }
                Err(failure) => view! {
                    <ErrorPanel message=failure.message() on_retry=Callback::new(move |()| invitations.refetch()) />
                }
                .into_any(),
            }
        })
    };

    let invite_open = Signal::derive(move || open.with(|o| o == &Some(Open::Invite)));
    let roles_open = Signal::derive(move || open.with(|o| matches!(o, Some(Open::Roles(_)))));
    let remove_open = Signal::derive(move || open.with(|o| matches!(o, Some(Open::Remove(_)))));
    let subject = move || match open.get() {
        Some(Open::Roles(user) | Open::Remove(user)) => Some(user),
        _ => None,
    };

    view! {
        <section class="roster-page">
            <p class="roster-breadcrumb">
                <A href="/accounts" attr:class="roster-link">"← Back to accounts"</A>
            </p>
            <FailureBoundary title="User access" on_retry=on_retry>
                // One heading from the start, its name completed once the account is read: a
                // heading drawn anew would take away the focus it was given on arriving here.
                <div class="roster-page__header">
                    <h1>{heading}</h1>
                    {move || loaded().map(|_| view! {
                        <button type="button" class="roster-button" on:click=open_invite>"Invite users"</button>
                    })}
                </div>
                <Transition>{facts}</Transition>
            </FailureBoundary>
            // Live regions drawn from the start, so that what comes into them is read out.
            <div role="status">
                {move || message.get().filter(|notice| notice.ok).map(|notice| view! {
                    <p class="roster-notice" tabindex=notice.focus_key.as_ref().map(|_| "-1") data-focus-key=notice.focus_key>{notice.text}</p>
                })}
            </div>
            <div role="alert">
                {move || message.get().filter(|notice| !notice.ok).map(|notice| view! { <p class="roster-error">{notice.text}</p> })}
            </div>
            <div class="roster-toolbar">
                <SearchBox id="roster-access-search" label="Search people with access" value=search_value on_search=on_search />
            </div>
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading people…"</p> }>{people_table}</Transition>
            <h2>"Invitations waiting for an answer"</h2>
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading invitations…"</p> }>{pending_table}</Transition>

            <Dialog id="roster-account-invite" title="Invite users" open=invite_open on_close=close>
                <form class="roster-form" on:submit=on_send novalidate>
                    <p class="roster-muted">
                        "Members of the organization get access at once. People on the organization's verified domains "
                        "are invited to join it, with access to this account. Anyone else gets an email invitation to "
                        "this account only and becomes an external user when they accept."
                    </p>
                    <div class="roster-field">
                        <label for="roster-account-invite-emails">"Email addresses"</label>
                        <textarea id="roster-account-invite-emails" class="roster-input roster-textarea" rows="4"
                            aria-describedby="roster-account-invite-emails-hint"
                            prop:value=move || emails.get()
                            on:input=move |ev| emails.set(event_target_value(&ev))></textarea>
                        <p id="roster-account-invite-emails-hint" class="roster-muted">"Separate addresses with commas, spaces or new lines."</p>
                    </div>
                    <RolePicker id="roster-account-invite-roles" legend=format!("Roles on {}", account_name())
                        roles=invite_roles on_change=Callback::new(move |roles| invite_roles.set(roles)) />
                    <p class="roster-error" role="alert">{move || dialog_error.get()}</p>
                    {move || (!invite_results.with(Vec::is_empty)).then(|| view! {
                        <ul class="roster-results" aria-label="Invitation results" tabindex="-1" node_ref=results_list>
                            {invite_results.get().into_iter().map(|result| {
                                let failed = result.outcome == AccountInviteOutcome::Failed;
                                view! {
                                    <li class=if failed { "roster-result roster-result--failed" } else { "roster-result" }>
                                        <strong>{result.email.clone()}</strong>" — "{outcome_text(&result)}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    })}
                    <div class="roster-form__actions">
                        // Not `disabled` while it works: focus stays in the dialog.
                        <button type="submit" class="roster-button" aria-disabled=move || invite.pending().get().to_string()>"Send"</button>
                        <button type="button" class="roster-button roster-button--quiet" on:click=move |_| close.run(())>"Close"</button>
                    </div>
                </form>
            </Dialog>

            <Dialog id="roster-account-roles" title="Change roles" open=roles_open on_close=close>
                {move || subject().map(|user| {
                    let for_save = user.clone();
                    view! {
                        <form class="roster-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            if !save_roles.pending().get_untracked() {
                                save_roles.dispatch((for_save.clone(), edit_roles.get_untracked()));
                            }
                        }>
                            <RolePicker id="roster-account-edit-roles" legend=format!("Roles of {} on {}", user.user.name, account_name())
                                roles=edit_roles on_change=Callback::new(move |roles| edit_roles.set(roles)) />
                            <p class="roster-error" role="alert">{move || dialog_error.get()}</p>
                            <div class="roster-form__actions">
                                <button type="submit" class="roster-button" aria-disabled=move || save_roles.pending().get().to_string()>"Save roles"</button>
                                <button type="button" class="roster-button roster-button--quiet" on:click=move |_| close.run(())>"Cancel"</button>
                            </div>
                        </form>
                    }
                })}
            </Dialog>

            <Dialog id="roster-account-remove" title="Remove access" open=remove_open on_close=close>
                {move || subject().map(|user| {
                    let for_remove = user.clone();
                    let what = if user.relation == Relation::Managed {
                        "They stay a member of the organization."
                    } else {
                        "They are an external user: if this was their only account of the organization, they leave the External list."
                    };
                    view! {
                        <p>{format!("{} will no longer be able to use {}. ", user.user.name, account_name())}{what}</p>
                        <p class="roster-error" role="alert">{move || dialog_error.get()}</p>
                        <div class="roster-form__actions">
                            <button type="button" class="roster-button roster-button--danger" aria-disabled=move || remove.pending().get().to_string()
                                on:click=move |_| if !remove.pending().get_untracked() { remove.dispatch(for_remove.clone()); }>"Remove access"</button>
                            <button type="button" class="roster-button roster-button--quiet" on:click=move |_| close.run(())>"Cancel"</button>
                        </div>
                    }
                })}
            </Dialog>
        </section>
    }
}

/// What the page says about the last change: done (a status) or failed (an alert), and, when
/// it removed the row whose control had focus, that control's focus key, for focus to follow.
#[derive(Clone)]
struct Notice {
    ok: bool,
    text: String,
    focus_key: Option<String>,
}

impl Notice {
    fn done(text: String, focus_key: Option<String>) -> Self {
        Notice {
            ok: true,
            text,
            focus_key,
        }
    }

    fn failed(text: String) -> Self {
        Notice {
            ok: false,
            text,
            focus_key: None,
        }
    }
}

/// The focus key of a person's "Remove access", and of the notice that they were removed.
fn remove_key(user_id: i64) -> String {
    format!("account-access-{user_id}")
}

/// The focus key of an invitation's "Revoke", its question, and the notice that it was revoked.
fn revoke_key(invitation_id: i64) -> String {
    format!("revoke-invitation-{invitation_id}")
}
