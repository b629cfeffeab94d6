//! A managed user's account access as a matrix of accounts × roles: add and remove accounts, tick
//! roles, see the change in words, then save it as a whole.

use leptos::prelude::*;
use roster_model::{
    describe_access_changes, AccessChange, AccessLine, AccountGrant, AccountRole, ErrorCode,
    RoleSet, UserDetail,
};

use crate::api::ApiClient;
use crate::components::{role_input_id, use_missing_role, RolePicker, SearchBox};
use crate::format;
use crate::reactive::{effect, local_action, local_resource, suspend};

/// One row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRow {
    pub account_id: i64,
    pub name: String,
    pub roles: RoleSet,
    /// The user owns the account: it stays in their access (ownership changes elsewhere).
    pub owner: bool,
}

/// The search for accounts to add, by its input's id.
const ACCESS_SEARCH: &str = "roster-access-search";

/// The rows of a user's current access, the starting point of an edit.
pub fn access_rows(detail: &UserDetail) -> Vec<AccessRow> {
    detail
        .accounts
        .iter()
        .map(|a| AccessRow {
            account_id: a.account.id,
            name: a.account.name.clone(),
            roles: a.roles,
            owner: a.owner,
        })
        .collect()
}

fn lines(rows: &[AccessRow]) -> Vec<AccessLine> {
    rows.iter()
        .map(|r| (r.account_id, r.name.clone(), r.roles))
        .collect()
}

/// An access edit in progress: the rows being edited (None: not editing) and why the last save
/// was refused. Owned by the page, so both survive reloading the user after someone else changed
/// them: the admin sees their ticks against the access as it is now, and is told why.
#[derive(Clone, Copy)]
pub struct AccessDraft {
    pub rows: RwSignal<Option<Vec<AccessRow>>>,
    error: RwSignal<Option<String>>,
    /// The user's version an edit brought back from the tab was made against: what Save sends
    /// as If-Match, so a change someone made meanwhile is refused (412), not saved over. None:
    /// the version shown.
    based_on: RwSignal<Option<i64>>,
}

/// One of the tab's access edits in progress ([`AccessDraft::keep_in`]): its user, the version
/// the edit was made against and its rows.
type KeptEdit = (i64, i64, Vec<AccessRow>);

/// Between the fields of a kept edit, and between edits: control characters no account name
/// holds (one pasted into a name is left out of the name shown, which Save does not send).
const FIELD: char = '\u{1f}';
const EDIT: char = '\u{1e}';

/// The tab's edits as text: per edit, its user and version, then per row its account id, role
/// bits, owner flag (0 or 1) and account name.
fn write_edits(edits: &[KeptEdit]) -> String {
    edits
        .iter()
        .map(|(user, version, rows)| {
            let mut text = format!("{user}{FIELD}{version}");
            for row in rows {
                let name: String = row
                    .name
                    .chars()
                    .filter(|c| ![FIELD, EDIT].contains(c))
                    .collect();
                let owner = u8::from(row.owner);
                text.push_str(&format!(
                    "{FIELD}{}{FIELD}{}{FIELD}{owner}{FIELD}{name}",
                    row.account_id,
                    row.roles.bits()
                ));
            }
            text
        })
        .collect::<Vec<_>>()
        .join(&EDIT.to_string())
}

/// The edits `text` holds ([`write_edits`]); one that does not read back is left out.
fn read_edits(text: &str) -> Vec<KeptEdit> {
    let read = |edit: &str| {
        let mut fields = edit.split(FIELD);
        let user = fields.next()?.parse().ok()?;
        let version = fields.next()?.parse().ok()?;
        let fields: Vec<&str> = fields.collect();
        let rows = fields
            .chunks(4)
            .map(|row| match row {
                [account_id, roles, owner, name] => Some(AccessRow {
                    account_id: account_id.parse().ok()?,
                    roles: RoleSet::from_bits(roles.parse().ok()?),
                    owner: *owner == "1",
                    name: (*name).to_owned(),
                }),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some((user, version, rows))
    };
    text.split(EDIT).filter_map(read).collect()
}

impl AccessDraft {
    pub fn new() -> Self {
        AccessDraft {
            rows: RwSignal::new(None),
            error: RwSignal::new(None),
            based_on: RwSignal::new(None),
        }
    }

    /// Starts editing from `rows`, with nothing refused yet.
    pub fn start(&self, rows: Vec<AccessRow>) {
        self.error.set(None);
        self.based_on.set(None);
        self.rows.set(Some(rows));
    }

    /// `kept` (the tab's edits in progress, one per user) with `user`'s edit as it is now
    /// (tracked), `shown_version` being the version on screen; an edit no longer open is taken
    /// out.
    pub fn keep_in(&self, kept: &str, user: i64, shown_version: i64) -> String {
        let mut edits = Self::forget(kept, user);
        if let Some(rows) = self.rows.get() {
            let version = self.based_on.get().unwrap_or(shown_version);
            edits.push((user, version, rows));
        }
        write_edits(&edits)
    }

    /// `kept` without `user`'s edit.
    pub fn forget_in(kept: &str, user: i64) -> String {
        write_edits(&Self::forget(kept, user))
    }

    fn forget(kept: &str, user: i64) -> Vec<KeptEdit> {
        let mut edits = read_edits(kept);
        edits.retain(|(kept_for, _, _)| *kept_for != user);
        edits
    }

    /// Opens the editor again on `detail`'s user's edit in `kept`, unless one is open; if the
    /// user changed since it was made, says so, and Save is refused until the admin has looked
    /// again. True when the kept edit would change nothing (saved as the page went): it is done
    /// with, and must be forgotten, lest a later change by someone else make it differ again.
    pub fn reopen(&self, kept: &str, detail: &UserDetail) -> bool {
        let edits = read_edits(kept);
        let Some((_, version, rows)) = edits.into_iter().find(|(user, _, _)| *user == detail.id)
        else {
            return false;
        };
        if lines(&rows) == lines(&access_rows(detail)) {
            return true;
        }
        if self.rows.with_untracked(Option::is_some) {
            return false;
        }
        self.start(rows);
        if version != detail.version {
            self.based_on.set(Some(version));
            self.error.set(Some(
                "This user changed while you were away: check your change against their access now before saving."
                    .to_owned(),
            ));
        }
        false
    }
}

impl Default for AccessDraft {
    fn default() -> Self {
        Self::new()
    }
}

/// The editor of `draft` (page-owned); `on_saved` is told after a save, `on_stale` when someone
/// else changed the user meanwhile. Cancel gives focus back to `opener` (an element's id).
#[component]
pub fn AccessEditor(
    detail: UserDetail,
    draft: AccessDraft,
    on_saved: Callback<()>,
    on_stale: Callback<()>,
    opener: &'static str,
) -> impl IntoView {
    let focus_by_id = crate::dom::use_focus_by_id();
    let api = expect_context::<ApiClient>();
    let before = lines(&access_rows(&detail));
    let (user_id, version) = (detail.id, detail.version);
    let search = RwSignal::new(String::new());
    let AccessDraft {
        rows,
        error,
        based_on,
    } = draft;
    let found = {
        local_resource(move || {
            let text = search.get();
            async move { api.accounts(&text, None, 10).await }
        })
    };
    let save = local_action(move |change: &AccessChange| {
        let change = change.clone();
        let version = based_on.get_untracked().unwrap_or(version);
        async move { api.set_access(user_id, version, &change).await }
    });
    let events = expect_context::<crate::events::HostEvents>();
    effect(move || match save.result() {
        Some(Ok(_)) => {
            events.user_changed(user_id, crate::events::UserChanged::AccessChanged);
            rows.set(None);
            on_saved.run(());
        }
        Some(Err(failure)) => {
            error.set(Some(failure.message()));
            if failure.code() == Some(ErrorCode::StaleVersion) {
                // Told, and shown the user as they are now: the next Save goes over that.
                based_on.set(None);
                on_stale.run(());
            }
        }
        None => {}
    });
    let changes = {
        let before = before.clone();
        Memo::new(move |_| {
            rows.with(|r| {
                r.as_deref()
                    .map(|r| describe_access_changes(&before, &lines(r)))
                    .unwrap_or_default()
            })
        })
    };
    let roles_asked = RwSignal::new(false);
    let missing_role = use_missing_role(roles_asked, move || {
        rows.with(|r| {
            r.iter()
                .flatten()
                .filter(|row| row.roles.is_empty())
                .map(|row| row.name.clone())
                .collect()
        })
    });
    // Someone else's change (412) reads the user again and draws the editor anew: focus, fallen
    // with the old editor, goes to why nothing was saved.
    let error_line = NodeRef::<leptos::html::P>::new();
    effect(move || {
        if let Some(line) = error_line.get() {
            crate::dom::focus_if_fell(&line);
        }
    });
    let on_save = move |_| {
        let current = rows.get_untracked().unwrap_or_default();
        error.set(None);
        if current.iter().any(|r| r.roles.is_empty()) {
            roles_asked.set(true);
            return;
        }
        save.dispatch(AccessChange {
            accounts: current
                .iter()
                .map(|r| AccountGrant {
                    account_id: r.account_id,
                    roles: r.roles,
                })
                .collect(),
        });
    };
    // Its "Add" turns disabled and a row's "Remove" goes with the row: focus would fall to the
    // top of the page. It goes where the next step is, once the rows are drawn: the added
    // account's roles, or the search for another account.
    let focus_when_drawn = move |id: String| request_animation_frame(move || focus_by_id(&id));
    let add = move |account_id: i64, name: String| {
        rows.update(|r| {
            if let Some(r) = r {
                if !r.iter().any(|row| row.account_id == account_id) {
                    r.push(AccessRow {
                        account_id,
                        name,
                        roles: RoleSet::EMPTY,
                        owner: false,
                    });
                }
            }
        });
        focus_when_drawn(role_input_id(
            &format!("roster-access-{account_id}"),
            AccountRole::Administrator,
        ));
    };

    view! {
        <section class="roster-form roster-access-editor" aria-labelledby="roster-access-title">
            <h2 id="roster-access-title">"Change account access"</h2>
            <For each=move || rows.with(|r| r.iter().flatten().map(|row| (row.account_id, row.name.clone(), row.owner)).collect::<Vec<_>>())
                key=|(id, _, _)| *id let:((account_id, name, owner))>
                <div class="roster-chosen-account">
                    <RolePicker id=format!("roster-access-{account_id}") legend=name.clone()
                        roles=Signal::derive(move || rows.with(|r| r.iter().flatten().find(|row| row.account_id == account_id).map(|row| row.roles).unwrap_or_default()))
                        on_change=Callback::new(move |roles: RoleSet| rows.update(|r| {
                            if let Some(row) = r.iter_mut().flatten().find(|row| row.account_id == account_id) { row.roles = roles; }
                        })) />
                    {if owner {
                        view! { <span class="roster-badge" title="Ownership changes when the user is removed or deleted">"Owner: keeps access"</span> }.into_any()
                    } else {
                        view! {
                            <button type="button" class="roster-button roster-button--quiet" aria-label=format!("Remove access to {name}")
                                on:click=move |_| {
                                    rows.update(|r| if let Some(r) = r { r.retain(|row| row.account_id != account_id) });
                                    focus_when_drawn(ACCESS_SEARCH.to_owned());
                                }>"Remove"</button>
                        }.into_any()
                    }}
                </div>
            </For>
            <h3>"Add an account"</h3>
            <SearchBox id=ACCESS_SEARCH label="Search accounts to add" value=Signal::derive(move || search.get())
                on_search=Callback::new(move |text: String| search.set(text)) />
            <Transition fallback=|| ()>
                {move || suspend(async move {
                    let page = found.await.ok()?;
                    // Only the first few are listed: the search finds the others.
                    let more = (page.total > page.items.len() as u64).then(|| view! {
                        <p class="roster-muted">{format!("The first {} of {} accounts; search to find the others.", page.items.len(), format::tally(page.total, page.total_capped))}</p>
                    });
                    Some(view! {
                        {more}
                        <ul class="roster-plain-list roster-choice-list" aria-label="Accounts to add">
                            {page.items.into_iter().map(|account| {
                                let (id, name) = (account.id, account.name.clone());
                                let has = move || rows.with(|r| r.iter().flatten().any(|row| row.account_id == id));
                                view! {
                                    <li>
                                        {account.name.clone()}" "
                                        <button type="button" class="roster-button roster-button--quiet" aria-label=format!("Add {}", account.name)
                                            disabled=has on:click=move |_| add(id, name.clone())>"Add"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    })
                })}
            </Transition>
            <h3>"Changes"</h3>
            {move || {
                let list = changes.get();
                if list.is_empty() {
                    view! { <p class="roster-muted" role="status">"No changes yet."</p> }.into_any()
                } else {
                    view! {
                        <div role="status">
                            <ul class="roster-diff" aria-label="Changes to save">
                                {list.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                            </ul>
                        </div>
                    }.into_any()
                }
            }}
            {move || error.get().or_else(missing_role).map(|text| view! { <p class="roster-error" role="alert" tabindex="-1" node_ref=error_line>{text}</p> })}
            <div class="roster-form__actions">
                // `aria-disabled` while it saves: the button keeps focus (disabled, it dropped it).
                <button type="button" class="roster-button" disabled=move || changes.with(Vec::is_empty)
                    aria-disabled=move || save.pending().get().to_string()
                    on:click=move |ev| if !save.pending().get_untracked() { on_save(ev) }>"Save access"</button>
                <button type="button" class="roster-button roster-button--quiet"
                    // Leaving mid-save would drop its answer: the change made, and nothing said.
                    disabled=move || save.pending().get() on:click=move |_| {
                    rows.set(None);
                    focus_by_id(opener);
                }>"Cancel"</button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_edits_read_back_as_written() {
        let row = |account_id, name: &str, roles, owner| AccessRow {
            account_id,
            name: name.to_owned(),
            roles: RoleSet::from_bits(roles),
            owner,
        };
        let edits: Vec<KeptEdit> = vec![
            (
                7,
                3,
                vec![
                    row(1, "Acme, Inc.", 1, true),
                    row(22, "Ünïcode · 🚀", 6, false),
                ],
            ),
            (9, 12, vec![]),
        ];
        assert_eq!(read_edits(&write_edits(&edits)), edits);
        assert!(read_edits("").is_empty());
        // A separator in a name is left out of it; a damaged edit is left out, not its neighbours.
        let odd = vec![(1, 1, vec![row(5, "a\u{1f}b\u{1e}c", 2, false)])];
        assert_eq!(read_edits(&write_edits(&odd))[0].2[0].name, "abc");
        let damaged = format!("{}{EDIT}x{FIELD}1", write_edits(&edits[..1]));
        assert_eq!(read_edits(&damaged), edits[..1]);
    }
}
