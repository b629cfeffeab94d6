use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_model::{ErrorCode, DEFAULT_PAGE_SIZE};

use crate::api::ApiClient;
use crate::components::{
    cancel_on_escape, deliberate_confirm, selection_count, BulkProgress, BulkRuns, ErrorPanel,
    PagedTable, SearchBox, SelectionBar, TableHeader,
};
use crate::format;
use crate::list::{list_href, use_list_query, use_replace_navigation, PageLinks};
use crate::pages::use_title;
use crate::reactive::{local_resource, suspend};
use crate::router::A;
use crate::session::SessionState;

/// "Import users" (a feature some organizations have): existing users on the organization's verified domains who belong to
/// no organization; select some or all, and import them a batch at a time with progress and a
/// result per user. Offered only when the organization's import feature is on.
#[component]
pub fn ImportPage() -> impl IntoView {
    use_title(|| "Import users".to_owned());
    let session = expect_context::<SessionState>();
    let enabled = move || session.bulk_import();
    view! {
        <section class="roster-page">
            <p class="roster-breadcrumb">
                <A href="/users/imported" attr:class="roster-link">"← Back to imported users"</A>
            </p>
            <h1>"Import users"</h1>
            <Show when=enabled fallback=|| view! {
                <p class="roster-notice">{roster_model::IMPORT_DISABLED}</p>
            }>
                <ImportList />
            </Show>
        </section>
    }
}

#[component]
fn ImportList() -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let navigate = use_replace_navigation();
    let state = use_list_query();
    // The mount's, not the page's: an import goes on, and is shown again, when the admin comes back.
    let run = expect_context::<BulkRuns>().import;
    on_cleanup(move || run.forget_if_ended());
    // Imported users leave the offer: the page is read again after each run.
    let candidates = {
        local_resource(move || {
            run.version().track();
            let query = state.get();
            let (search, cursor, page) = (query.search(), query.cursor(), query.page());
            async move {
                let result = api
                    .import_candidates(&search, cursor.as_deref(), DEFAULT_PAGE_SIZE)
                    .await;
                (search, page, result)
            }
        })
    };
    let ticked = RwSignal::new(BTreeSet::<i64>::new());
    let all_matching = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    // How many the last page said match, for "select all".
    let total = RwSignal::new(0u64);
    // The rows of the page shown, for "select all matching".
    let page_ids = RwSignal::new(Vec::<i64>::new());
    let count = move || ticked.with(|t| selection_count(t, all_matching.get(), total.get()));

    let on_import = move || {
        confirming.set(false);
        let chosen: Vec<i64> = ticked.get_untracked().into_iter().collect();
        let everything = all_matching.get_untracked();
        let search = state.get_untracked().search();
        let number = run.start();
        spawn_local(async move {
            let ids = if everything {
                match api.import_candidate_ids(&search).await {
                    Ok(found) => found.ids,
                    Err(failure) => return run.fail_run(number, failure.message()),
                }
            } else {
                chosen
            };
            let send = |batch: Vec<i64>| async move {
                api.import_users(&batch)
                    .await
                    .map(|answer| answer.results)
                    .map_err(|failure| failure.message())
            };
            if run.run_batches(number, ids, send).await {
                // Every request went: what failed per user stays offered, to be picked again.
                ticked.set(BTreeSet::new());
                all_matching.set(false);
            } else if run.error.with_untracked(Option::is_some) {
                // A request failed (not the run ended from outside, which forgot its results):
                // what it did not import stays chosen, to try again at once.
                let imported: BTreeSet<i64> = run.results.with_untracked(|results| {
                    results.iter().filter(|r| r.ok).map(|r| r.id).collect()
                });
                ticked.update(|chosen| chosen.retain(|id| !imported.contains(id)));
            }
        });
    };
    let on_search = Callback::new(move |text: String| {
        if text.trim() != state.get_untracked().search().trim() {
            ticked.set(BTreeSet::new());
            all_matching.set(false);
            navigate(&list_href("/import", &text, None, 1));
        }
    });
    let search_value = Signal::derive(move || state.read().search());
    let on_retry = Callback::new(move |()| candidates.refetch());

    view! {
        <p class="roster-muted">
            "Existing Roster users whose email address is on one of the organization's verified domains, and who "
            "belong to no organization. Imported users become managed users of the organization and are told by email."
        </p>
        <div class="roster-toolbar">
            <SearchBox id="roster-import-search" label="Search users to import" value=search_value on_search=on_search />
        </div>
        <SelectionBar selected=ticked all_matching=all_matching page_ids=page_ids total=total label="Import">
            <Show when=move || confirming.get() fallback=move || view! {
                <button type="button" class="roster-button" disabled=move || count() == 0 || run.running.get()
                    data-focus-key="import-selected" on:click=move |_| confirming.set(true)>"Import selected users"</button>
            }>
                // Focus follows to Confirm, and back on Cancel; once the import runs, to its progress.
                <span class="roster-confirm" on:keydown=cancel_on_escape(move || confirming.set(false))>
                    {move || format!("Import {}? Each becomes a managed user of the organization and gets an email. ", format::count(count(), "user", "users"))}
                    <button type="button" class="roster-button" data-focus-key="import-selected" on:click=deliberate_confirm(on_import)>"Confirm import"</button>
                    <button type="button" class="roster-button roster-button--quiet" data-focus-key="import-selected"
                        on:click=move |_| confirming.set(false)>"Cancel"</button>
                </span>
            </Show>
        </SelectionBar>
        <BulkProgress run=run />
        {move || (!run.running.get() && run.results.with(|r| r.iter().any(|x| x.ok))).then(|| view! {
            <p><A href="/users/imported" attr:class="roster-link">"See imported users"</A></p>
        })}
        <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading users…"</p> }>
            {move || suspend(async move {
                let (search, page_number, result) = candidates.await;
                match result {
                    Ok(page) => {
                        total.set(page.total);
                        page_ids.set(page.items.iter().map(|u| u.id).collect());
                        if page.items.is_empty() {
                            let text = if search.trim().is_empty() {
                                "There is no one to import: every user on the verified domains belongs to an organization.".to_owned()
                            } else {
                                format!("No one to import matches “{}”.", search.trim())
                            };
                            return view! { <p class="roster-empty">{text}</p> }.into_any();
                        }
                        let links = PageLinks::of(page_number, &page, DEFAULT_PAGE_SIZE, |cursor, to| list_href("/import", &search, cursor, to));
                        let row_ids: Vec<i64> = page.items.iter().map(|u| u.id).collect();
                        let all_on_page = row_ids.clone();
                        let rows = page.items.into_iter().map(|user| {
                            let id = user.id;
                            let label = format!("Select {}", user.display_name());
                            view! {
                                <tr>
                                    <td>
                                        <input type="checkbox" class="roster-checkbox" aria-label=label
                                            prop:checked=move || all_matching.get() || ticked.with(|t| t.contains(&id))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                all_matching.set(false);
                                                ticked.update(|t| { if on { t.insert(id); } else { t.remove(&id); } });
                                            } />
                                    </td>
                                    <th scope="row">{user.display_name()}</th>
                                    <td>{user.email.clone()}</td>
                                    <td>{format::date(user.created_at)}</td>
                                    <td>{format::optional_date(user.last_sign_in_at)}</td>
                                </tr>
                            }
                        }).collect_view();
                        view! {
                            <PagedTable summary=format!("{} can be imported", format::count_at_least(page.total, page.total_capped, "user", "users"))
                                caption="Users who can be imported" links=links pager_label="Import list pages">
                                <TableHeader slot>
                                    <th scope="col">
                                        <input type="checkbox" class="roster-checkbox" aria-label="Select all users on this page"
                                            prop:checked=move || all_on_page.iter().all(|id| ticked.with(|t| t.contains(id)))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                ticked.update(|t| for id in &row_ids { if on { t.insert(*id); } else { t.remove(id); } });
                                            } />
                                    </th>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Email"</th>
                                    <th scope="col">"User since"</th>
                                    <th scope="col">"Last sign-in"</th>
                                </TableHeader>
                                {rows}
                            </PagedTable>
                        }
                        .into_any()
                    }
                    Err(failure) if failure.code() == Some(ErrorCode::FeatureDisabled) => view! {
                        <p class="roster-notice">{failure.message()}</p>
                    }
                    .into_any(),
                    Err(failure) => view! { <ErrorPanel message=failure.message() on_retry=on_retry /> }.into_any(),
                }
            })}
        </Transition>
    }
}
