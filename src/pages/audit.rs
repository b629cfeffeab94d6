use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use roster_model::{audit_action_label, AUDIT_ACTIONS, DEFAULT_PAGE_SIZE};

use super::{href_with_query, page_count, pager_links, use_title};
use crate::api::{ApiClient, AuditFilters};
use crate::components::{ErrorPanel, Pager, SearchBox};
use crate::format;

fn audit_href(filters: &AuditFilters, cursor: Option<String>, page: u32) -> String {
    let page = if page > 1 {
        page.to_string()
    } else {
        String::new()
    };
    href_with_query(
        "/audit",
        &[
            ("actor", filters.actor.clone()),
            ("target", filters.target.clone()),
            ("action", filters.action.clone()),
            ("cursor", cursor.unwrap_or_default()),
            ("page", page),
        ],
    )
}

/// Who did what to whom, when and from where: newest first, filterable by actor, target and action.
#[component]
pub fn AuditPage() -> impl IntoView {
    use_title(|| "Audit log".to_owned());
    let api = expect_context::<ApiClient>();
    let navigate = use_navigate();
    let query = use_query_map();
    let state = Memo::new(move |_| {
        let query = query.read();
        (
            AuditFilters {
                actor: query.get("actor").unwrap_or_default(),
                target: query.get("target").unwrap_or_default(),
                action: query.get("action").unwrap_or_default(),
            },
            query.get("cursor").filter(|c| !c.is_empty()),
            query
                .get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        )
    });
    let entries = LocalResource::new(move || {
        let (filters, cursor, page) = state.get();
        let api = api.clone();
        async move {
            let result = api
                .audit(&filters, cursor.as_deref(), DEFAULT_PAGE_SIZE)
                .await;
            (filters, page, result)
        }
    });
    // Changing a filter starts again from the newest entry.
    let refilter = move |change: &dyn Fn(&mut AuditFilters)| {
        let mut filters = state.get_untracked().0;
        change(&mut filters);
        if filters != state.get_untracked().0 {
            navigate(
                &audit_href(&filters, None, 1),
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    };
    let on_actor = {
        let refilter = refilter.clone();
        Callback::new(move |text: String| refilter(&|f| f.actor = text.trim().to_owned()))
    };
    let on_target = {
        let refilter = refilter.clone();
        Callback::new(move |text: String| refilter(&|f| f.target = text.trim().to_owned()))
    };
    let on_action = move |ev: leptos::ev::Event| {
        let action = event_target_value(&ev);
        refilter(&|f| f.action = action.clone());
    };
    let on_retry = Callback::new(move |()| entries.refetch());
    let actor_value = Signal::derive(move || state.read().0.actor.clone());
    let target_value = Signal::derive(move || state.read().0.target.clone());

    view! {
        <section class="roster-page">
            <h1>"Audit log"</h1>
            <p class="roster-muted">"Every change in the organization, and every sign-in, with who did it and from where."</p>
            <div class="roster-toolbar">
                <SearchBox id="roster-audit-actor" label="Actor" value=actor_value on_search=on_actor />
                <SearchBox id="roster-audit-target" label="Target" value=target_value on_search=on_target />
                <div class="roster-search">
                    <label class="roster-search__label" for="roster-audit-action">"Action"</label>
                    <select id="roster-audit-action" class="roster-input" on:change=on_action
                        prop:value=move || state.read().0.action.clone()>
                        <option value="">"All actions"</option>
                        {AUDIT_ACTIONS.iter().map(|action| view! {
                            <option value=*action>{audit_action_label(action)}</option>
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading the audit log…"</p> }>
                {move || Suspend::new(async move {
                    let (filters, page_number, result) = entries.await;
                    match result {
                        Ok(page) if page.items.is_empty() => view! {
                            <p class="roster-empty">"No audit entries match these filters."</p>
                        }.into_any(),
                        Ok(page) => {
                            let (prev_href, next_href) = pager_links(
                                page_number,
                                page.prev_cursor.clone(),
                                page.next_cursor.clone(),
                                |cursor, to| audit_href(&filters, cursor, to),
                            );
                            let rows = page.items.iter().map(|entry| view! {
                                <tr>
                                    <td>{format::date_time(entry.at)}</td>
                                    <th scope="row">{entry.actor.clone()}</th>
                                    <td>{audit_action_label(&entry.action).to_owned()}</td>
                                    <td>{entry.target.clone().unwrap_or_else(|| "—".to_owned())}</td>
                                    <td><code>{entry.client_addr.clone().unwrap_or_else(|| "—".to_owned())}</code></td>
                                </tr>
                            }).collect_view();
                            view! {
                                <p class="roster-summary" role="status">{format::count(page.total, "entry", "entries")}</p>
                                <div class="roster-table-wrap">
                                    <table class="roster-table">
                                        <caption class="roster-visually-hidden">"Audit log, newest first"</caption>
                                        <thead><tr>
                                            <th scope="col">"When"</th>
                                            <th scope="col">"Actor"</th>
                                            <th scope="col">"Action"</th>
                                            <th scope="col">"Target"</th>
                                            <th scope="col">"From"</th>
                                        </tr></thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                                <Pager page=page_number pages=page_count(page.total, DEFAULT_PAGE_SIZE) prev_href=prev_href next_href=next_href label="Audit log pages" />
                            }.into_any()
                        }
                        Err(failure) => view! { <ErrorPanel message=failure.message() on_retry=on_retry /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
