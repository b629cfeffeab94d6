use leptos::prelude::*;
use roster_model::{CreatedScimToken, NewScimToken, ScimToken};

use crate::api::ApiClient;
use crate::components::{
    cancel_on_escape, deliberate_confirm, CopyButton, ErrorPanel, PagedTable, TableHeader,
    TextField,
};
use crate::draft::use_draft;
use crate::form::FormError;
use crate::format;
use crate::pages::tokens::{
    on_revoked, repeated_press, token_form_failure, PASSWORD_FOR_TOKEN, PASSWORD_FOR_TOKEN_HINT,
};
use crate::pages::use_title;
use crate::reactive::{effect, local_action, local_resource, suspend};

/// Provisioning: the SCIM base URL to give an identity provider, and the organization's
/// provisioning tokens (create: the secret is shown once; list with last use; revoke).
#[component]
pub fn ScimPage() -> impl IntoView {
    use_title(|| "Provisioning".to_owned());
    let api = expect_context::<ApiClient>();
    // Kept across a session that ends mid-form.
    let name = use_draft("scim-token-name");
    // Asked again for each token (never kept as a draft): a session alone must not mint one.
    let password = RwSignal::new(String::new());
    let error = FormError::new();
    let created = RwSignal::new(None::<CreatedScimToken>);
    // The token whose revocation waits for confirmation.
    let confirming = RwSignal::new(None::<i64>);
    let revoke_error = RwSignal::new(None::<String>);
    // Said once a revocation is done: its row only changes a word, and its buttons go.
    let revoked = RwSignal::new(String::new());

    let create = local_action(move |token: &NewScimToken| {
        let token = token.clone();
        async move { api.create_scim_token(&token).await }
    });
    let revoke = local_action(move |id: &i64| {
        let id = *id;
        async move { (id, api.revoke_scim_token(id).await) }
    });
    // Read again whenever a creation or revocation has finished.
    let tokens = local_resource(move || {
        create.version().track();
        revoke.version().track();
        async move { api.scim_tokens().await }
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
        create.dispatch(NewScimToken {
            name: name.get_untracked(),
            current_password,
        });
    };
    let on_retry = Callback::new(move |()| tokens.refetch());

    view! {
        <section class="roster-page">
            <h1>"Provisioning"</h1>
            <p class="roster-muted">
                "An identity provider (Okta, Microsoft Entra ID, Google, JumpCloud, OneLogin) can create, update, suspend and delete "
                "this organization's users over SCIM 2.0, under the same rules as this console: new users must be on a verified domain, "
                "and every change is in the audit log. Give it the base URL below and a token made here. "
                "A token acts with an Owner's authority, so it stops working when you are no longer an Owner, are suspended, "
                "or your password changes or is reset: an Owner who stays makes the next one."
            </p>
            <form class="roster-toolbar" on:submit=on_submit novalidate>
                <TextField id="roster-scim-token-name" label="Token name" value=name error=error.field("name") />
                <TextField id="roster-scim-token-password" label="Your password" input_type="password"
                    autocomplete="current-password" value=password error=error.field("current_password")
                    hint=PASSWORD_FOR_TOKEN_HINT />
                // Not `disabled` while it works: that would take keyboard focus away.
                <button type="submit" class="roster-button" aria-disabled=move || create.pending().get().to_string()>"Create token"</button>
            </form>
            {move || error.general().get().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
            {move || created.get().map(|token| {
                let secret = token.secret.clone();
                view! {
                    <div class="roster-notice" role="status">
                        <p>{format!("Token “{}” created. Copy it into your identity provider now: it is not shown again.", token.token.name)}</p>
                        <label for="roster-scim-secret">"New token"</label>
                        <input id="roster-scim-secret" class="roster-input roster-secret" type="text" readonly prop:value=token.secret />
                        <CopyButton text=Signal::derive(move || secret.clone()) label="Copy token" />
                    </div>
                }
            })}
            {move || revoke_error.get().map(|message| view! { <p class="roster-error" role="alert">{message}</p> })}
            <p class="roster-visually-hidden" role="status">{move || revoked.get()}</p>
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading provisioning…"</p> }>
                {move || suspend(async move {
                    match tokens.await {
                        Ok(listing) => {
                            let base_url = listing.base_url.clone();
                            view! {
                                <div class="roster-field">
                                    <label for="roster-scim-base-url">"SCIM base URL"</label>
                                    <input id="roster-scim-base-url" class="roster-input roster-secret" type="text" readonly prop:value=listing.base_url />
                                    <CopyButton text=Signal::derive(move || base_url.clone()) label="Copy URL" />
                                </div>
                                {token_table(listing.tokens, confirming, revoke)}
                            }.into_any()
                        }
                        Err(failure) => view! { <ErrorPanel message=failure.message() on_retry=on_retry /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn token_table(
    tokens: Vec<ScimToken>,
    confirming: RwSignal<Option<i64>>,
    revoke: crate::reactive::AppAction<i64, (i64, Result<(), crate::api::ApiFailure>)>,
) -> AnyView {
    if tokens.is_empty() {
        return view! { <p class="roster-empty">"There are no provisioning tokens yet."</p> }
            .into_any();
    }
    let summary = format::count(tokens.len() as u64, "token", "tokens");
    let rows = tokens
        .into_iter()
        .map(|token| {
            let id = token.id;
            let label = token.name.clone();
            // Focus follows the question in Revoke's place and back, and once revoked stays in
            // the row (`dom::keep_focus_across_redraws`); so `aria-disabled`, not `disabled`.
            let focus_key = format!("revoke-{id}");
            let action = if token.revoked_at.is_some() {
                view! { <span tabindex="-1" data-focus-key=focus_key>"—"</span> }.into_any()
            } else {
                view! {
                    <Show when=move || confirming.get() == Some(id) fallback=move || view! {
                        <button type="button" class="roster-button roster-button--quiet"
                            aria-label=format!("Revoke token {label}") data-focus-key=format!("revoke-{id}")
                            on:click=move |_| confirming.set(Some(id))>"Revoke"</button>
                    }>
                        <span class="roster-confirm" on:keydown=cancel_on_escape(move || confirming.set(None))>
                            "The identity provider using it stops provisioning at once. "
                            <button type="button" class="roster-button" data-focus-key=format!("revoke-{id}")
                                aria-disabled=move || revoke.pending().get().to_string()
                                on:click=deliberate_confirm(move || if !revoke.pending().get_untracked() { revoke.dispatch(id); })>"Confirm revoke"</button>
                            <button type="button" class="roster-button roster-button--quiet" data-focus-key=format!("revoke-{id}")
                                on:click=move |_| confirming.set(None)>"Cancel"</button>
                        </span>
                    </Show>
                }
                .into_any()
            };
            view! {
                <tr>
                    <th scope="row">{token.name.clone()}</th>
                    <td>{token.created_by.map(|u| u.name).unwrap_or_else(|| "—".to_owned())}</td>
                    <td>{format::date(token.created_at)}</td>
                    <td>{format::optional_date(token.last_used_at)}</td>
                    <td>{if token.revoked_at.is_some() { "Revoked" } else { "Active" }}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <PagedTable summary=summary caption="Provisioning tokens">
            <TableHeader slot>
                <th scope="col">"Name"</th>
                <th scope="col">"Created by"</th>
                <th scope="col">"Created"</th>
                <th scope="col">"Last used"</th>
                <th scope="col">"Status"</th>
                <th scope="col">"Actions"</th>
            </TableHeader>
            {rows}
        </PagedTable>
    }
    .into_any()
}
