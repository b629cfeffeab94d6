use leptos::prelude::*;
use roster_model::{audit_action_label, AUDIT_ACTIONS, DEFAULT_PAGE_SIZE};

use crate::api::{ApiClient, AuditFilters};
use crate::components::{ErrorPanel, PagedTable, SearchBox, TableHeader};
use crate::format;
use crate::list::{page_href, use_replace_navigation, ExportRun, PageLinks};
use crate::pages::use_title;
use crate::reactive::{effect, local_resource, suspend};
use crate::router::use_typed_query;

/// The audit log's URL query: `?actor=&target=&action=&cursor=&page=`.
#[derive(serde::Deserialize, Debug, Clone, PartialEq, Eq, Default)]
struct AuditQuery {
    actor: Option<String>,
    target: Option<String>,
    action: Option<String>,
    cursor: Option<String>,
    page: Option<u32>,
}

fn audit_href(filters: &AuditFilters, cursor: Option<String>, page: u32) -> String {
    page_href(
        "/audit",
        &[
            ("actor", filters.actor.clone()),
            ("target", filters.target.clone()),
            ("action", filters.action.clone()),
        ],
        cursor,
        page,
    )
}

/// Who did what to whom, when and from where: newest first, filterable by actor, target and action.
#[component]
pub fn AuditPage() -> impl IntoView {
    use_title(|| "Audit log".to_owned());
    let api = expect_context::<ApiClient>();
    let navigate = use_replace_navigation();
    let query = use_typed_query::<AuditQuery>();
    let state = Memo::new(move |_| {
        let query = query.get();
        let cursor = query.cursor.filter(|c| !c.is_empty());
        (
            AuditFilters {
                actor: query.actor.unwrap_or_default(),
                target: query.target.unwrap_or_default(),
                action: query.action.unwrap_or_default(),
            },
            cursor.clone(),
            crate::list::page_number(cursor.as_deref(), query.page),
        )
    });
    let entries = local_resource(move || {
        let (filters, cursor, page) = state.get();
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
            navigate(&audit_href(&filters, None, 1));
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
    let export = ExportRun::new();
    // "Nothing to export" is about the entries it was said of, as last read.
    effect(move || {
        state.track();
        entries.track();
        export.forget_no_rows();
    });
    let on_export = move |_| {
        if !export.begin() {
            return;
        }
        let filters = state.get_untracked().0;
        leptos::task::spawn_local(async move {
            let saved = match api.export_audit(&filters).await {
                Ok(download) => crate::list::save_unless_empty(download).await,
                Err(failure) => Err(failure.message()),
            };
            export.finish(saved);
        });
    };
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
                    // Each option says whether it is chosen: a value set on the select would come
                    // before its options exist, and a loaded URL's action would show as "All".
                    <select id="roster-audit-action" class="roster-input" on:change=on_action>
                        <option value="" prop:selected=move || state.read().0.action.is_empty()>"All actions"</option>
                        {AUDIT_ACTIONS.iter().map(|action| view! {
                            <option value=*action prop:selected=move || state.read().0.action == *action>{audit_action_label(action)}</option>
                        }).collect_view()}
                        // An action the link names that the list does not offer (a hand-edited
                        // link, an older one) is shown as chosen, as the entries are filtered by it.
                        {move || {
                            let action = state.read().0.action.clone();
                            (!action.is_empty() && !AUDIT_ACTIONS.contains(&action.as_str())).then(|| view! {
                                <option value=action.clone() selected=true>{action.clone()}</option>
                            })
                        }}
                    </select>
                </div>
                <button type="button" class="roster-button roster-button--quiet" on:click=on_export
                    aria-disabled=move || export.exporting.get().to_string()>
                    {move || if export.exporting.get() { "Exporting…" } else { "Export CSV" }}
                </button>
            </div>
            <p class="roster-visually-hidden" role="status">
                {move || export.preparing("Preparing the CSV file of every entry these filters match…").or_else(|| export.saved())}
            </p>
            <p class="roster-notice" role="status">
                {move || export.made_no_file().then_some("No entries match these filters, so there is nothing to export.")}
            </p>
            {move || export.failure.get().map(|text| view! { <p class="roster-error" role="alert">{format!("Export failed: {text}")}</p> })}
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading the audit log…"</p> }>
                {move || suspend(async move {
                    let (filters, page_number, result) = entries.await;
                    match result {
                        Ok(page) if page.items.is_empty() => view! {
                            <p class="roster-empty" role="status">"No audit entries match these filters."</p>
                        }.into_any(),
                        Ok(page) => {
                            let links = PageLinks::of(page_number, &page, DEFAULT_PAGE_SIZE, |cursor, to| {
                                audit_href(&filters, cursor, to)
                            });
                            let rows = page.items.iter().map(|entry| view! {
                                <tr>
                                    <td>{format::date_time(entry.at)}</td>
                                    <th scope="row">{named(entry.actor.clone(), entry.actor_email.clone())}</th>
                                    <td>{audit_action_label(&entry.action).to_owned()}</td>
                                    <td>{match entry.target.clone() {
                                        Some(target) => named(target, entry.target_email.clone()).into_any(),
                                        None => "—".into_any(),
                                    }}</td>
                                    <td><code>{entry.client_addr.clone().unwrap_or_else(|| "—".to_owned())}</code></td>
                                </tr>
                            }).collect_view();
                            view! {
                                <PagedTable summary=format::count_at_least(page.total, page.total_capped, "entry", "entries") caption="Audit log, newest first"
                                    links=links pager_label="Audit log pages">
                                    <TableHeader slot>
                                        <th scope="col">"When"</th>
                                        <th scope="col">"Actor"</th>
                                        <th scope="col">"Action"</th>
                                        <th scope="col">"Target"</th>
                                        <th scope="col">"From"</th>
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

/// A person in the log by name and, under it, email: names are not unique, and anyone who
/// manages users can take another's name.
fn named(name: String, email: Option<String>) -> impl IntoView {
    let email = email.filter(|email| *email != name);
    view! {
        {name}
        {email.map(|email| view! { <span class="roster-audit__email">{email}</span> })}
    }
}
