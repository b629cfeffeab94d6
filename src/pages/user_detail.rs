use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use roster_model::{ErrorCode, Relation, UserDetail};

use super::use_title;
use crate::api::ApiClient;
use crate::components::{app_href, ErrorPanel};
use crate::format;

#[component]
pub fn UserDetailPage() -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    });
    let user = LocalResource::new(move || {
        let id = id.get();
        let api = api.clone();
        async move {
            match id {
                Some(id) => api.user(id).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let title = RwSignal::new("User".to_owned());
    use_title(move || title.get());
    let on_retry = Callback::new(move |()| user.refetch());

    view! {
        <section class="roster-page">
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading user…"</p> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(detail)) => {
                            title.set(detail.display_name());
                            view! { <UserDetailView detail=detail /> }.into_any()
                        }
                        Ok(None) => missing().into_any(),
                        Err(failure) if failure.code() == Some(ErrorCode::NotFound) => missing().into_any(),
                        Err(failure) => view! {
                            <h1>"User"</h1>
                            <ErrorPanel message=failure.message() on_retry=on_retry />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn missing() -> impl IntoView {
    view! {
        <h1>"User not found"</h1>
        <p>"This organization has no such user. They may have been removed or deleted."</p>
        <p><A href=app_href("/users/managed") attr:class="roster-link">"Back to User management"</A></p>
    }
}

#[component]
fn UserDetailView(detail: UserDetail) -> impl IntoView {
    let list = match detail.relation {
        Some(Relation::External) => "external",
        Some(Relation::Invited) => "invited",
        _ if detail.imported.is_some() => "imported",
        _ => "managed",
    };
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
            <A href=app_href(&format!("/users/{list}")) attr:class="roster-link">"← Back to users"</A>
        </p>
        <h1>{detail.display_name()}</h1>
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
        <h2>"Accounts"</h2>
        {if has_accounts {
            view! {
                <div class="roster-table-wrap">
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
    }
}
