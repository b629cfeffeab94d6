use leptos::prelude::*;
use roster_model::{CreatedApiToken, NewApiToken, DEFAULT_TOKEN_DAYS, TOKEN_DAY_CHOICES};

use crate::api::ApiClient;
use crate::api::ApiFailure;
use crate::components::{
    cancel_on_escape, deliberate_confirm, CopyButton, ErrorPanel, PagedTable, TableHeader,
    TextField,
};
use crate::draft::use_draft;
use crate::form::FormError;
use crate::format;
use crate::pages::use_title;
use crate::reactive::{effect, local_action, local_resource, suspend, AppAction};

/// Bearer API tokens for embedding hosts and scripts: create (the secret is shown once), list, revoke.
#[component]
pub fn TokensPage() -> impl IntoView {
    use_title(|| "API tokens".to_owned());
    let api = expect_context::<ApiClient>();
    // Kept across a session that ends mid-form.
    let name = use_draft("token-name");
    let days = RwSignal::new(DEFAULT_TOKEN_DAYS);
    // Asked again for each token (never kept as a draft): a session alone must not mint one.
    let password = RwSignal::new(String::new());
    let error = FormError::new();
    let created = RwSignal::new(None::<CreatedApiToken>);
    // The token whose revocation waits for confirmation.
    let confirming = RwSignal::new(None::<i64>);
    let revoke_error = RwSignal::new(None::<String>);
    // Said once a revocation is done: its row only changes a word, and its buttons go.
    let revoked = RwSignal::new(String::new());

    let create = local_action(move |token: &NewApiToken| {
        let token = token.clone();
        async move { api.create_token(&token).await }
    });
    let revoke = local_action(move |id: &i64| {
        let id = *id;
        async move { (id, api.revoke_token(id).await) }
    });
    // The list is read again whenever a creation or revocation has finished.
    let tokens = local_resource(move || {
        create.version().track();
        revoke.version().track();
        async move { api.tokens().await }
    });
    effect(move || match create.result() {
        Some(Ok(token)) => {
            name.set(String::new());
            password.set(String::new());
            error.clear();
            created.set(Some(token));
        }
        Some(Err(failure)) => token_form_failure(error, password, &failure),
        None => {}
    });
    on_revoked(revoke, confirming, revoke_error, revoked, created, |c| {
        c.token.id
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if create.pending().get_untracked()
            || repeated_press(created.with_untracked(Option::is_some), name, password)
        {
            return;
        }
        let current_password = password.get_untracked();
        if current_password.is_empty() {
            error.set(Some("current_password"), PASSWORD_FOR_TOKEN);
            return;
        }
        // The secret shown stays until another token is on its way.
        created.set(None);
        create.dispatch(NewApiToken {
            name: name.get_untracked(),
            expires_in_days: Some(days.get_untracked()),
            current_password,
        });
    };
    let on_retry = Callback::new(move |()| tokens.refetch());

    view! {
        <section class="roster-page">
            <h1>"API tokens"</h1>
            <p class="roster-muted">
                "A token lets a script or a console that embeds Roster call its API as you. Send it as "
                <code>"Authorization: Bearer <token>"</code>
                ". It stops working when it expires or is revoked, when your password changes or is reset, and when you are no longer an Owner."
            </p>
            <form class="roster-toolbar" on:submit=on_submit novalidate>
                <TextField id="roster-token-name" label="Token name" value=name error=error.field("name") />
                <div class="roster-field">
                    <label for="roster-token-days">"Expires after"</label>
                    <select id="roster-token-days" class="roster-input"
                        on:change=move |ev| {
                            if let Ok(chosen) = event_target_value(&ev).parse() {
                                days.set(chosen);
                            }
                        }>
                        {TOKEN_DAY_CHOICES.into_iter().map(|choice| view! {
                            <option value=choice.to_string() selected=move || days.get() == choice>
                                {format!("{choice} days")}
                            </option>
                        }).collect_view()}
                    </select>
                </div>
                <TextField id="roster-token-password" label="Your password" input_type="password"
                    autocomplete="current-password" value=password error=error.field("current_password")
                    hint=PASSWORD_FOR_TOKEN_HINT />
                // Not `disabled` while it works: that would take keyboard focus away.
                <button type="submit" class="roster-button" aria-disabled=move || create.pending().get().to_string()>"Create token"</button>
            </form>
            {move || error.general().get().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
            {move || created.get().map(|token| view! {
                <div class="roster-notice" role="status">
                    <p>{format!("Token “{}” created. Copy it now: it is not shown again.", token.token.name)}</p>
                    <label for="roster-token-secret">"New token"</label>
                    <input id="roster-token-secret" class="roster-input roster-secret" type="text" readonly prop:value=token.secret.clone() />
                    <CopyButton text=Signal::derive(move || token.secret.clone()) label="Copy token" />
                </div>
            })}
            {move || revoke_error.get().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
            <p class="roster-visually-hidden" role="status">{move || revoked.get()}</p>
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading tokens…"</p> }>
                {move || suspend(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => view! { <p class="roster-empty">"There are no API tokens yet."</p> }.into_any(),
                        Ok(list) => {
                            let summary = format::count(list.len() as u64, "token", "tokens");
                            let rows = list.into_iter().map(|token| {
                                let id = token.id;
                                let label = token.name.clone();
                                let expired = token.expired;
                                let status = if token.revoked_at.is_some() {
                                    "Revoked".to_owned()
                                } else if expired {
                                    "Expired".to_owned()
                                } else if token.awaits_two_factor {
                                    // It would be refused: say why, and what brings it back.
                                    let creator = token.created_by.as_ref().map_or("its creator", |u| u.name.as_str());
                                    format!("Paused until {creator} sets up two-factor sign-in")
                                } else {
                                    "Active".to_owned()
                                };
                                // Once revoked, focus stays in the row (`aria-disabled` on Confirm
                                // rather than `disabled`, which would drop it).
                                let action = if token.revoked_at.is_some() || expired {
                                    view! { <span tabindex="-1" data-focus-key=format!("revoke-{id}")>"—"</span> }.into_any()
                                } else {
                                    view! {
                                        <Show when=move || confirming.get() == Some(id) fallback=move || view! {
                                            <button type="button" class="roster-button roster-button--quiet"
                                                aria-label=format!("Revoke token {label}") data-focus-key=format!("revoke-{id}")
                                                on:click=move |_| confirming.set(Some(id))>"Revoke"</button>
                                        }>
                                            // Focus follows to Confirm, and back on Cancel.
                                            <span class="roster-confirm" on:keydown=cancel_on_escape(move || confirming.set(None))>
                                                "Scripts using it will stop working. "
                                                <button type="button" class="roster-button" data-focus-key=format!("revoke-{id}")
                                                    aria-disabled=move || revoke.pending().get().to_string()
                                                    on:click=deliberate_confirm(move || if !revoke.pending().get_untracked() { revoke.dispatch(id); })>"Confirm revoke"</button>
                                                <button type="button" class="roster-button roster-button--quiet" data-focus-key=format!("revoke-{id}")
                                                    on:click=move |_| confirming.set(None)>"Cancel"</button>
                                            </span>
                                        </Show>
                                    }.into_any()
                                };
                                view! {
                                    <tr>
                                        <th scope="row">{token.name.clone()}</th>
                                        <td>{token.created_by.map(|u| u.name).unwrap_or_else(|| "—".to_owned())}</td>
                                        <td>{format::date(token.created_at)}</td>
                                        <td>{format::optional_date(token.last_used_at)}</td>
                                        <td>{format::date(token.expires_at)}</td>
                                        <td>{status}</td>
                                        <td>{action}</td>
                                    </tr>
                                }
                            }).collect_view();
                            view! {
                                <PagedTable summary=summary caption="API tokens">
                                    <TableHeader slot>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Created by"</th>
                                        <th scope="col">"Created"</th>
                                        <th scope="col">"Last used"</th>
                                        <th scope="col">"Expires"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Actions"</th>
                                    </TableHeader>
                                    {rows}
                                </PagedTable>
                            }.into_any()
                        }
                        Err(failure) => view! { <ErrorPanel message=failure.message() on_retry=on_retry /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// What a token's form says when the password is left out.
pub(crate) const PASSWORD_FOR_TOKEN: &str = "Enter your password to create a token.";

/// Follows `revoke`'s answers (the token's id and the result) on a token page: the question
/// (`confirming`) goes, a refusal shows in `error`, and a revocation is `said`. The secret of a
/// token just `created` (whose id `token_id` reads) and now revoked is no longer offered.
pub(crate) fn on_revoked<C: Send + Sync + 'static>(
    revoke: AppAction<i64, (i64, Result<(), ApiFailure>)>,
    confirming: RwSignal<Option<i64>>,
    error: RwSignal<Option<String>>,
    said: RwSignal<String>,
    created: RwSignal<Option<C>>,
    token_id: fn(&C) -> i64,
) {
    effect(move || match revoke.result() {
        Some((id, Ok(()))) => {
            if created.with_untracked(|created| created.as_ref().map(token_id)) == Some(id) {
                created.set(None);
            }
            confirming.set(None);
            error.set(None);
            // Emptied first, so that a second revocation is said again.
            said.set(String::new());
            request_animation_frame(move || said.set("Token revoked.".to_owned()));
        }
        Some((_, Err(failure))) => error.set(Some(failure.message())),
        None => {}
    });
}

/// Whether a submit is a hurried repeat of the press that just created a token: nothing typed
/// since the form emptied. It would hide the secret, shown only this once, behind "Enter your
/// password".
pub(crate) fn repeated_press(
    just_created: bool,
    name: RwSignal<String>,
    password: RwSignal<String>,
) -> bool {
    just_created
        && name.with_untracked(|name| name.trim().is_empty())
        && password.with_untracked(String::is_empty)
}

/// What a token's form says beside its password field.
pub(crate) const PASSWORD_FOR_TOKEN_HINT: &str = "Asked again, as a token outlives this session.";

/// Shows a refused token beside the field the server named (its name or the password, which a
/// wrong guess empties, as sign-in does), else above the list.
pub(crate) fn token_form_failure(
    error: FormError,
    password: RwSignal<String>,
    failure: &ApiFailure,
) {
    match failure.field().as_deref() {
        Some("current_password") => {
            password.set(String::new());
            error.from_failure(failure);
        }
        Some("name") => error.from_failure(failure),
        _ => error.set(None, failure.message()),
    }
}
