use leptos::prelude::*;
use roster_model::{
    name_problem, owner_role_problem, ErrorCode, OrgRole, Relation, UserChange, UserDetail,
    UserView,
};

use super::access::{access_rows, AccessDraft, AccessEditor};
use super::manage::{LeaveDraft, ManageUser};
use crate::api::ApiClient;
use crate::components::{FailureBoundary, TextField};
use crate::dom::use_focus_by_id;
use crate::draft::use_draft;
use crate::events::{HostEvents, UserChanged};
use crate::form::FormError;
use crate::format;
use crate::pages::use_title;
use crate::reactive::{effect, local_action, local_resource, suspend};
use crate::router::{use_router, A};
use crate::session::SessionState;

/// One user (`/users/:id`): who they are, their access, and what an administrator may change.
#[component]
pub fn UserDetailPage(id: Signal<i64>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let save = local_action(move |(id, version, change): &(i64, i64, UserChange)| {
        let (id, version, change) = (*id, *version, change.clone());
        async move { (id, api.update_user(id, version, &change).await) }
    });
    // Read again after every save: the new version, or someone else's change that made it stale.
    let user = local_resource(move || {
        save.version().track();
        let id = id.get();
        async move { api.user(id).await }
    });
    let title = RwSignal::new("User".to_owned());
    use_title(move || title.get());
    let on_retry = Callback::new(move |()| user.refetch());
    // Set from a change's answer until the user is read again: the controls on the page hold
    // the version they were drawn with, and a hurried click meanwhile would be refused as
    // "someone else changed this user" (see `ManageUser`).
    let settling = RwSignal::new(false);
    let on_changed = Callback::new(move |()| {
        settling.set(true);
        user.refetch();
    });

    // Editing lives here, outside the loaded view, so that reloading the user after someone
    // else changed it keeps what this admin typed.
    let base = RwSignal::new(None::<UserDetail>);
    let latest_version = RwSignal::new(0i64);
    let given = RwSignal::new(String::new());
    let family = RwSignal::new(String::new());
    let role = RwSignal::new(OrgRole::Member);
    let edit_error = FormError::new();
    // The role's error takes focus to the select, as a text field's does, so it is read out.
    let role_select = NodeRef::<leptos::html::Select>::new();
    Effect::new(move |before: Option<bool>| {
        let refused = edit_error.field("org_role").get().is_some();
        if refused && before != Some(true) {
            if let Some(select) = role_select.get_untracked() {
                let _ = select.focus();
            }
        }
        refused
    });
    let conflict = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    // What the last change made from the user's own page (reset, suspension, account access)
    // did. One word on what happened shows at a time: the latest, "Changes saved." or this.
    let manage_message = RwSignal::new(None::<(bool, String)>);
    effect(move || {
        if manage_message.with(Option::is_some) {
            saved.set(false);
        }
    });
    // The control to give focus back to once the user is read again after a change.
    let refocus = RwSignal::new(None::<&'static str>);
    let focus_by_id = use_focus_by_id();
    let on_edit = Callback::new(move |detail: UserDetail| {
        given.set(detail.given_name.clone());
        family.set(detail.family_name.clone());
        role.set(detail.org_role.unwrap_or(OrgRole::Member));
        edit_error.clear();
        conflict.set(None);
        saved.set(false);
        manage_message.set(None);
        base.set(Some(detail));
    });
    // The open form, kept in the tab while it is open: a session that ends mid-edit brings the
    // admin back, after signing in, to the form as they left it (as does coming back to this
    // user after going elsewhere with it open). Closed by Save, Cancel or another user on this
    // page, it is dropped.
    let draft = use_draft("user-edit");
    Effect::new(move |was_open: Option<bool>| {
        // What the admin changed, as Save would send it.
        let open = base.with(|base| {
            base.as_ref().map(|base| EditDraft {
                user: base.id,
                // What Save would send as the version read: the page's own changes meanwhile
                // (access, a reset) read the user again.
                version: latest_version.get(),
                role: role.with(|role| (Some(*role) != base.org_role).then_some(*role)),
                given: given.with(|given| (*given != base.given_name).then(|| given.clone())),
                family: family.with(|family| (*family != base.family_name).then(|| family.clone())),
            })
        });
        match open {
            Some(open) => draft.set(open.encode()),
            None if was_open == Some(true) => draft.set(String::new()),
            None => {}
        }
        base.with(Option::is_some)
    });
    // Taken when the user it is for is shown: the admin's changes over the user as read afresh
    // (what someone else changed meanwhile in the other fields stays), and a change made
    // meanwhile is said before anything is saved over it.
    let restore = move |detail: &UserDetail| {
        let Some(kept) = EditDraft::decode(&draft.get_untracked()) else {
            return;
        };
        if kept.user != detail.id || base.with_untracked(Option::is_some) {
            return;
        }
        on_edit.run(detail.clone());
        if let Some(kept) = kept.given {
            given.set(kept);
        }
        if let Some(kept) = kept.family {
            family.set(kept);
        }
        if let Some(kept) = kept.role {
            role.set(kept);
        }
        if kept.version != detail.version {
            conflict.set(Some(
                "This user changed while you were away: check your changes against the page before saving."
                    .to_owned(),
            ));
        }
    };
    let events = expect_context::<HostEvents>();
    let session = expect_context::<SessionState>();
    effect(move || {
        // The answer about a user no longer shown (the page moved on meanwhile) changes nothing
        // here: the form may be another user's by now.
        let Some((_, answer)) = save
            .result()
            .filter(|(saved_id, _)| *saved_id == id.get_untracked())
        else {
            return;
        };
        // The user is read again after every save (`user` tracks it).
        settling.set(true);
        match answer {
            Ok(saved_user) => {
                events.user_changed(saved_user.id, UserChanged::Edited);
                if session
                    .me_untracked()
                    .is_some_and(|me| me.user.id == saved_user.id)
                {
                    let role = saved_user.org_role.unwrap_or(OrgRole::Member);
                    session.own_user_changed(saved_user.display_name(), role);
                }
                // Focus goes back to "Edit user" in the user read again (the form is gone).
                refocus.set(Some(EDIT_BUTTON));
                base.set(None);
                conflict.set(None);
                manage_message.set(None);
                saved.set(true);
            }
            Err(failure) if failure.code() == Some(ErrorCode::StaleVersion) => {
                conflict.set(Some(failure.message()));
            }
            Err(failure) => edit_error.from_failure(&failure),
        }
    });
    let on_save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if save.pending().get_untracked() {
            return;
        }
        let Some(start) = base.get_untracked() else {
            return;
        };
        let (g, f, r) = (
            given.get_untracked(),
            family.get_untracked(),
            role.get_untracked(),
        );
        if let Some((field, problem)) = name_problem(&g, &f) {
            edit_error.set(Some(field), problem);
            return;
        }
        // Only what this admin changed is sent, so a concurrent change to other fields survives.
        let change = UserChange {
            given_name: (g.trim() != start.given_name).then(|| g.trim().to_owned()),
            family_name: (f.trim() != start.family_name).then(|| f.trim().to_owned()),
            org_role: (Some(r) != start.org_role).then_some(r),
        };
        if change == UserChange::default() {
            base.set(None);
            focus_by_id(EDIT_BUTTON);
            return;
        }
        edit_error.clear();
        save.dispatch((start.id, latest_version.get_untracked(), change));
    };
    // An account-access edit in progress (kept across reloads of the user).
    let access_edit = AccessDraft::new();
    // Kept in the tab as well, as the form above: Back, a reload or a session that ended
    // mid-edit brings the admin back to their unsaved change. Closed by Save, Cancel or another
    // user on this page, it is dropped.
    let access_kept = use_draft("user-access");
    Effect::new(move |open_for: Option<Option<i64>>| {
        let user = id.get_untracked();
        let open = access_edit.rows.with(Option::is_some);
        let kept = access_kept.get_untracked();
        // Opening the editor starts something new: what the last change did is no longer news.
        if open && open_for == Some(None) {
            saved.set(false);
            manage_message.set(None);
        }
        if open {
            access_kept.set(access_edit.keep_in(&kept, user, latest_version.get()));
        } else if open_for == Some(Some(user)) {
            // Closed on this user's page (a page moved to another user leaves the edit kept).
            access_kept.set(AccessDraft::forget_in(&kept, user));
        }
        open.then_some(user)
    });
    // A removal or deletion being confirmed (kept across reloads of the user too).
    let leave_draft = LeaveDraft::new();
    // Set once the user has left the organization (removed or deleted): the page says so.
    let left = RwSignal::new(None::<String>);
    let on_left = Callback::new(move |text: String| {
        base.set(None);
        saved.set(false);
        left.set(Some(text));
    });
    // Another user on this same page (the id changed: Back, or a host's navigation) starts with
    // nothing of the last one's: no edit, no access change, no removal half confirmed.
    Effect::new(move |shown: Option<i64>| {
        let now = id.get();
        if shown.is_some_and(|shown| shown != now) {
            base.set(None);
            saved.set(false);
            conflict.set(None);
            edit_error.clear();
            access_edit.rows.set(None);
            leave_draft.close();
            manage_message.set(None);
            left.set(None);
        }
        now
    });
    let my_role = move || session.me().map_or(OrgRole::Member, |me| me.role);
    // The page the dialog was opened from went with the user: focus comes to what happened (a
    // status drawn with its words already in is not always read out).
    let left_notice = NodeRef::<leptos::html::P>::new();
    effect(move || {
        if let Some(notice) = left_notice.get() {
            crate::dom::focus_if_fell(&notice);
        }
    });
    // So does a user found gone, as a save of their edit was: to the page saying so.
    let missing_heading = NodeRef::<leptos::html::H1>::new();
    effect(move || {
        if let Some(heading) = missing_heading.get() {
            crate::dom::focus_if_fell(&heading);
        }
    });

    view! {
        <section class="roster-page">
            <Show when=move || left.with(Option::is_none) fallback=move || view! {
                <h1>"User management"</h1>
                <p class="roster-notice" role="status" tabindex="-1" node_ref=left_notice>{move || left.get()}</p>
                <p><A href="/users/managed" attr:class="roster-link">"Back to User management"</A></p>
            }>
            <FailureBoundary title="User" on_retry=on_retry>
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading user…"</p> }>
                {move || suspend(async move {
                    match user.await {
                        Ok(detail) => {
                            title.set(detail.display_name());
                            latest_version.set(detail.version);
                            settling.set(false);
                            if detail.relation == Some(Relation::Managed) {
                                restore(&detail);
                                let kept = access_kept.get_untracked();
                                if access_edit.reopen(&kept, &detail) {
                                    access_kept.set(AccessDraft::forget_in(&kept, detail.id));
                                }
                            }
                            Ok(view! { <UserDetailView detail=detail on_edit=on_edit message=manage_message refocus=refocus access=access_edit leave=leave_draft on_changed=on_changed settling=settling on_left=on_left shown=id /> }.into_any())
                        }
                        Err(failure) if failure.code() == Some(ErrorCode::NotFound) => {
                            // Deleted or removed meanwhile (in another tab, by another admin): an
                            // edit left open has nothing to save any more.
                            base.set(None);
                            conflict.set(None);
                            edit_error.clear();
                            saved.set(false);
                            settling.set(false);
                            Ok(missing(missing_heading).into_any())
                        }
                        Err(failure) => Err(failure),
                    }
                })}
            </Transition>
            </FailureBoundary>
            </Show>
            {move || saved.get().then(|| view! { <p class="roster-notice" role="status">"Changes saved."</p> })}
            <Show when=move || base.with(Option::is_some)>
                <form class="roster-form roster-edit-user" on:submit=on_save novalidate aria-labelledby="roster-edit-user-title">
                    <h2 id="roster-edit-user-title">"Edit user"</h2>
                    {move || conflict.get().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
                    <TextField id="roster-edit-given" label="Given name" autocomplete="off" value=given error=edit_error.field("given_name") focus=true />
                    <TextField id="roster-edit-family" label="Family name" autocomplete="off" value=family error=edit_error.field("family_name") />
                    <div class="roster-field">
                        <label for="roster-edit-role">"Organization role"</label>
                        // As a text field does: invalid while its error shows, which takes focus to it.
                        <select id="roster-edit-role" class="roster-input" aria-describedby="roster-edit-role-error roster-edit-role-hint"
                            node_ref=role_select
                            aria-invalid=move || edit_error.field("org_role").get().is_some().to_string()
                            on:change=move |ev| if let Some(r) = OrgRole::parse(&event_target_value(&ev)) { role.set(r) }>
                            {OrgRole::ALL.into_iter().map(|option| view! {
                                <option value=option.as_str() prop:selected=move || role.get() == option
                                    disabled=move || {
                                        let from = base.with(|b| b.as_ref().and_then(|b| b.org_role)).unwrap_or(OrgRole::Member);
                                        owner_role_problem(my_role(), from, option).is_some()
                                    }>
                                    {option.label()}
                                </option>
                            }).collect_view()}
                        </select>
                        <p id="roster-edit-role-hint" class="roster-muted">"Owners and Administrators manage users; only an Owner grants or takes away Owner."</p>
                        <p id="roster-edit-role-error" class="roster-field__error">{move || edit_error.field("org_role").get()}</p>
                    </div>
                    {move || edit_error.general().get().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
                    <div class="roster-form__actions">
                        // Not `disabled` while it works: that would take keyboard focus away.
                        <button type="submit" class="roster-button" aria-disabled=move || save.pending().get().to_string()>"Save changes"</button>
                        <button type="button" class="roster-button roster-button--quiet" on:click=move |_| {
                            base.set(None);
                            focus_by_id(EDIT_BUTTON);
                        }>"Cancel"</button>
                    </div>
                </form>
            </Show>
        </section>
    }
}

/// The ids of the buttons that open the edit form and the access editor, which get focus back
/// when those close.
const EDIT_BUTTON: &str = "roster-edit-user-open";
const CHANGE_ACCESS_BUTTON: &str = "roster-change-access";

fn missing(heading: NodeRef<leptos::html::H1>) -> impl IntoView {
    view! {
        <h1 tabindex="-1" node_ref=heading>"User not found"</h1>
        <p>"This organization has no such user. They may have been removed or deleted."</p>
        <p><A href="/users/managed" attr:class="roster-link">"Back to User management"</A></p>
    }
}

#[component]
fn UserDetailView(
    detail: UserDetail,
    on_edit: Callback<UserDetail>,
    message: RwSignal<Option<(bool, String)>>,
    refocus: RwSignal<Option<&'static str>>,
    access: AccessDraft,
    leave: LeaveDraft,
    on_changed: Callback<()>,
    /// A change has answered and the user is being read again (page-owned).
    settling: RwSignal<bool>,
    on_left: Callback<String>,
    shown: Signal<i64>,
) -> impl IntoView {
    let editable = detail.relation == Some(Relation::Managed);
    let for_edit = detail.clone();
    let manage = editable.then(
        || view! { <ManageUser detail=detail.clone() message=message refocus_after=refocus leave=leave on_changed=on_changed settling=settling on_left=on_left shown=shown /> },
    );
    let list = match detail.relation {
        Some(Relation::External) => "external",
        Some(Relation::Invited) => "invited",
        _ if detail.imported.is_some() => "imported",
        _ => "managed",
    };
    // Back to the list the admin opened this user from, with its search, filters and page; else
    // to the list the user is on.
    let back = use_router()
        .came_from()
        .filter(|place| {
            place
                .path
                .strip_prefix("/users/")
                .and_then(UserView::parse)
                .is_some()
        })
        .map_or_else(|| format!("/users/{list}"), |place| place.href());
    let relation = detail.relation.map(|r| r.label()).unwrap_or("—");
    let rows = detail
        .accounts
        .iter()
        .map(|access| {
            view! {
                <tr>
                    <th scope="row">{access.account.name.clone()}</th>
                    <td><code>{access.account.sid.clone()}</code></td>
                    <td>{access.roles.describe()}</td>
                    <td>{if access.owner { "Owner" } else { "" }}</td>
                </tr>
            }
        })
        .collect_view();
    let has_accounts = !detail.accounts.is_empty();
    view! {
        <p class="roster-breadcrumb">
            <A href=back attr:class="roster-link">"← Back to users"</A>
        </p>
        <div class="roster-page__header">
            <h1>{detail.display_name()}</h1>
            {editable.then(|| view! {
                <button type="button" id=EDIT_BUTTON class="roster-button" on:click=move |_| on_edit.run(for_edit.clone())>"Edit user"</button>
            })}
        </div>
        <dl class="roster-facts">
            <div><dt>"Email"</dt><dd>{detail.email.clone()}</dd></div>
            <div><dt>"Status"</dt><dd>{detail.status.label()}</dd></div>
            <div><dt>"Relation"</dt><dd>{relation}</dd></div>
            <div><dt>"Organization role"</dt><dd>{detail.org_role.map(|r| r.label()).unwrap_or("None")}</dd></div>
            <div><dt>"Two-factor authentication"</dt><dd>{detail.two_factor.label()}</dd></div>
            <div><dt>"Joined the organization"</dt><dd>{format::optional_date(detail.joined_at)}</dd></div>
            <div><dt>"Last sign-in"</dt><dd>{format::optional_date(detail.last_sign_in_at)}</dd></div>
            {detail.imported.clone().map(|imported| view! {
                <div><dt>"Imported"</dt><dd>{format!(
                    "{} by {}",
                    format::date(imported.imported_at),
                    imported.imported_by.map(|by| by.name).unwrap_or_else(|| "a former administrator".to_owned())
                )}</dd></div>
            })}
            {detail.invitation.clone().map(|invitation| view! {
                <div><dt>"Invitation"</dt><dd>{format!(
                    "Sent {}; {} {}",
                    format::date(invitation.sent_at),
                    if invitation.expired { "expired" } else { "expires" },
                    format::date(invitation.expires_at)
                )}</dd></div>
            })}
        </dl>
        <div class="roster-page__header">
            <h2>"Accounts"</h2>
            {editable.then(|| {
                let rows = access_rows(&detail);
                view! {
                    <button type="button" id=CHANGE_ACCESS_BUTTON class="roster-button roster-button--quiet"
                        on:click=move |_| access.start(rows.clone())>"Change access"</button>
                }
            })}
        </div>
        {editable.then(|| {
            let detail = detail.clone();
            let on_saved = Callback::new(move |()| {
                refocus.set(Some(CHANGE_ACCESS_BUTTON));
                message.set(Some((true, "Account access saved.".to_owned())));
                on_changed.run(());
            });
            // Drawn when the edit opens, not again with each change of its rows: the editor
            // follows them itself, and drawing it anew lost focus and the account search's text.
            let editing = Memo::new(move |_| access.rows.with(Option::is_some));
            move || editing.get().then(|| view! {
                <AccessEditor detail=detail.clone() draft=access on_saved=on_saved on_stale=on_changed opener=CHANGE_ACCESS_BUTTON />
            })
        })}
        {if has_accounts {
            view! {
                // Focusable, so that a table wider than a phone's screen scrolls from the keyboard too.
                <div class="roster-table-wrap" tabindex="0" role="region" aria-label="Accounts this user can access">
                    <table class="roster-table">
                        <caption class="roster-visually-hidden">"Accounts this user can access"</caption>
                        <thead><tr>
                            <th scope="col">"Account"</th>
                            <th scope="col">"Account SID"</th>
                            <th scope="col">"Roles"</th>
                            <th scope="col">"Ownership"</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        } else {
            view! { <p class="roster-empty">"This user has no access to the organization's accounts."</p> }.into_any()
        }}
        {manage}
    }
}

/// The user edit form as left open: whose, the version it began from, and what the admin changed
/// in it (None: left as it was).
#[derive(Debug, PartialEq)]
struct EditDraft {
    user: i64,
    version: i64,
    role: Option<OrgRole>,
    given: Option<String>,
    family: Option<String>,
}

impl EditDraft {
    /// Fields apart by a unit separator, which no name holds (names refuse control characters); a
    /// changed field starts with '+', an unchanged one is empty.
    const SEPARATOR: char = '\u{1f}';

    fn encode(&self) -> String {
        // A separator pasted into a field (refused on Save) is left out rather than lose the rest.
        let changed = |value: Option<&str>| {
            value
                .map(|value| format!("+{}", value.replace(Self::SEPARATOR, "")))
                .unwrap_or_default()
        };
        let separator = Self::SEPARATOR;
        format!(
            "{}{separator}{}{separator}{}{separator}{}{separator}{}",
            self.user,
            self.version,
            changed(self.role.map(OrgRole::as_str)),
            changed(self.given.as_deref()),
            changed(self.family.as_deref()),
        )
    }

    fn decode(text: &str) -> Option<Self> {
        let mut fields = text.split(Self::SEPARATOR);
        let user = fields.next()?.parse().ok()?;
        let version = fields.next()?.parse().ok()?;
        // Some(None): left as it was; None: not a draft's field.
        let mut changed = || {
            let field = fields.next()?;
            match field.strip_prefix('+') {
                Some(value) => Some(Some(value.to_owned())),
                None => field.is_empty().then_some(None),
            }
        };
        let role = match changed()? {
            Some(role) => Some(OrgRole::parse(&role)?),
            None => None,
        };
        let (given, family) = (changed()?, changed()?);
        fields.next().is_none().then_some(EditDraft {
            user,
            version,
            role,
            given,
            family,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_draft_reads_back_as_written_and_nothing_else_reads_as_one() {
        for draft in [
            EditDraft {
                user: 42,
                version: 7,
                role: Some(OrgRole::Administrator),
                given: Some("Zoë".to_owned()),
                family: Some(String::new()),
            },
            EditDraft {
                user: 1,
                version: 1,
                role: None,
                given: None,
                family: Some("+plus".to_owned()),
            },
        ] {
            assert_eq!(EditDraft::decode(&draft.encode()), Some(draft));
        }
        let separator = EditDraft::SEPARATOR;
        for text in [
            String::new(),
            "42".to_owned(),
            format!("x{separator}7{separator}{separator}{separator}"),
            format!("1{separator}2{separator}+king{separator}{separator}"),
            format!("1{separator}2{separator}{separator}a{separator}"),
            format!("1{separator}2{separator}{separator}{separator}{separator}"),
        ] {
            assert_eq!(EditDraft::decode(&text), None, "{text:?}");
        }
    }
}
