use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use roster_model::{ErrorCode, DEFAULT_PAGE_SIZE, MAX_SELECT_ALL};

use super::accounts::{list_href, use_list_query};
use super::{page_count, pager_links, use_title};
use crate::api::ApiClient;
use crate::components::{app_href, BulkProgress, BulkRun, ErrorPanel, Pager, SearchBox};
use crate::format;
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
                <A href=app_href("/users/imported") attr:class="roster-link">"← Back to imported users"</A>
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
    let navigate = use_navigate();
    let state = use_list_query();
    let candidates = {
        let api = api.clone();
        LocalResource::new(move || {
            let api = api.clone();
            let (search, cursor, page) = state.get();
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
    let run = BulkRun::new();
    // How many the last page said match, for "select all".
    let total = RwSignal::new(0u64);
    let count = move || {
        if all_matching.get() {
            total.get().min(MAX_SELECT_ALL as u64)
        } else {
            ticked.with(|t| t.len() as u64)
        }
    };

    let on_import = move |_| {
        confirming.set(false);
        let api = api.clone();
        let chosen: Vec<i64> = ticked.get_untracked().into_iter().collect();
        let everything = all_matching.get_untracked();
        let search = state.get_untracked().0;
        run.start();
        spawn_local(async move {
            let ids = if everything {
                match api.import_candidate_ids(&search).await {
                    Ok(found) => found.ids,
                    Err(failure) => return run.fail(failure.message()),
                }
            } else {
                chosen
            };
            let send = |batch: Vec<i64>| {
                let api = api.clone();
                async move {
                    api.import_users(&batch)
                        .await
                        .map(|answer| answer.results)
                        .map_err(|failure| failure.message())
                }
            };
            run.run_batches(ids, send).await;
            // Imported users leave the offer; what failed can be picked again.
            ticked.set(BTreeSet::new());
            all_matching.set(false);
            candidates.refetch();
        });
    };
    let on_search = Callback::new(move |text: String| {
        if text.trim() != state.get_untracked().0.trim() {
            ticked.set(BTreeSet::new());
            all_matching.set(false);
            navigate(
                &list_href("/import", &text, None, 1),
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    });
    let search_value = Signal::derive(move || state.read().0.clone());
    let on_retry = Callback::new(move |()| candidates.refetch());

    view! {
        <p class="roster-muted">
            "Existing Roster users whose email address is on one of the organization's verified domains, and who "
            "belong to no organization. Imported users become managed users of the organization and are told by email."
        </p>
        <div class="roster-toolbar">
            <SearchBox id="roster-import-search" label="Search users to import" value=search_value on_search=on_search />
        </div>
        <div class="roster-bulk-bar" role="group" aria-label="Import">
            <span role="status">{move || match (all_matching.get(), count()) {
                (true, n) => format!("All {} matching selected", format::count(n, "user", "users")),
                (false, 0) => "No users selected".to_owned(),
                (false, n) => format!("{} selected", format::count(n, "user", "users")),
            }}</span>
            {move || (!all_matching.get() && total.get() > ticked.with(|t| t.len() as u64)).then(|| view! {
                <button type="button" class="roster-button roster-button--quiet" on:click=move |_| all_matching.set(true)>
                    {move || format!("Select all {} matching", format::count(total.get().min(MAX_SELECT_ALL as u64), "user", "users"))}
                </button>
            })}
            {move || (count() > 0).then(|| view! {
                <button type="button" class="roster-button roster-button--quiet" on:click=move |_| {
                    ticked.set(BTreeSet::new());
                    all_matching.set(false);
                }>"Clear selection"</button>
            })}
            <Show when=move || confirming.get() fallback=move || view! {
                <button type="button" class="roster-button" disabled=move || count() == 0 || run.running.get()
                    on:click=move |_| confirming.set(true)>"Import selected users"</button>
            }>
                <span class="roster-confirm">
                    {move || format!("Import {}? Each becomes a managed user of the organization and gets an email. ", format::count(count(), "user", "users"))}
                    <button type="button" class="roster-button" on:click=on_import.clone()>"Confirm import"</button>
                    <button type="button" class="roster-button roster-button--quiet" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </span>
            </Show>
        </div>
        <BulkProgress run=run />
        {move || (!run.running.get() && run.results.with(|r| r.iter().any(|x| x.ok))).then(|| view! {
            <p><A href=app_href("/users/imported") attr:class="roster-link">"See imported users"</A></p>
        })}
        <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                let (search, page_number, result) = candidates.await;
                match result {
                    Ok(page) => {
                        total.set(page.total);
                        if page.items.is_empty() {
                            let text = if search.trim().is_empty() {
                                "There is no one to import: every user on the verified domains belongs to an organization.".to_owned()
                            } else {
                                format!("No one to import matches “{}”.", search.trim())
                            };
                            return view! { <p class="roster-empty">{text}</p> }.into_any();
                        }
                        let (prev_href, next_href) = pager_links(
                            page_number,
                            page.prev_cursor.clone(),
                            page.next_cursor.clone(),
                            |cursor, to| list_href("/import", &search, cursor, to),
                        );
                        let page_ids: Vec<i64> = page.items.iter().map(|u| u.id).collect();
                        let all_on_page = page_ids.clone();
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
                            <p class="roster-summary" role="status">{format::count(page.total, "user", "users")}" can be imported"</p>
                            <div class="roster-table-wrap">
                                <table class="roster-table">
                                    <caption class="roster-visually-hidden">"Users who can be imported"</caption>
                                    <thead><tr>
                                        <th scope="col">
                                            <input type="checkbox" class="roster-checkbox" aria-label="Select all users on this page"
                                                prop:checked=move || all_on_page.iter().all(|id| ticked.with(|t| t.contains(id)))
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    ticked.update(|t| for id in &page_ids { if on { t.insert(*id); } else { t.remove(id); } });
                                                } />
                                        </th>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Email"</th>
                                        <th scope="col">"User since"</th>
                                        <th scope="col">"Last sign-in"</th>
                                    </tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                            <Pager page=page_number pages=page_count(page.total, DEFAULT_PAGE_SIZE) prev_href=prev_href next_href=next_href label="Import list pages" />
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
