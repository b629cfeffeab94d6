use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use roster_model::DEFAULT_PAGE_SIZE;

use super::{href_with_query, page_count, pager_links, use_title};
use crate::api::ApiClient;
use crate::components::{app_href, ErrorPanel, Pager, SearchBox};
use crate::format;

/// A searchable, paged list's URL: `path?q=&cursor=&page=`.
pub(super) fn list_href(path: &str, search: &str, cursor: Option<String>, page: u32) -> String {
    let page = if page > 1 {
        page.to_string()
    } else {
        String::new()
    };
    href_with_query(
        path,
        &[
            ("q", search.to_owned()),
            ("cursor", cursor.unwrap_or_default()),
            ("page", page),
        ],
    )
}

/// The search text, cursor and page number a list's URL holds.
pub(super) fn use_list_query() -> Memo<(String, Option<String>, u32)> {
    let query = use_query_map();
    Memo::new(move |_| {
        let query = query.read();
        (
            query.get("q").unwrap_or_default(),
            query.get("cursor").filter(|c| !c.is_empty()),
            query
                .get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        )
    })
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    use_title(|| "Accounts".to_owned());
    let api = expect_context::<ApiClient>();
    let navigate = use_navigate();
    let state = use_list_query();
    let accounts = LocalResource::new(move || {
        let (search, cursor, page) = state.get();
        let api = api.clone();
        async move {
            let result = api
                .accounts(&search, cursor.as_deref(), DEFAULT_PAGE_SIZE)
                .await;
            (search, page, result)
        }
    });
    let on_search = Callback::new(move |text: String| {
        if text.trim() != state.get_untracked().0.trim() {
            navigate(
                &list_href("/accounts", &text, None, 1),
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    });
    let on_retry = Callback::new(move |()| accounts.refetch());
    let search_value = Signal::derive(move || state.read().0.clone());

    view! {
        <section class="roster-page">
            <h1>"Accounts"</h1>
            <p class="roster-muted">"The organization's managed accounts and who owns each."</p>
            <div class="roster-toolbar">
                <SearchBox id="roster-account-search" label="Search accounts" value=search_value on_search=on_search />
            </div>
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading accounts…"</p> }>
                {move || Suspend::new(async move {
                    let (search, page_number, result) = accounts.await;
                    match result {
                        Ok(page) => {
                            let (prev_href, next_href) = pager_links(
                                page_number,
                                page.prev_cursor.clone(),
                                page.next_cursor.clone(),
                                |cursor, to| list_href("/accounts", &search, cursor, to),
                            );
                            let rows = page.items.clone().into_iter().map(|account| view! {
                                <tr>
                                    <th scope="row">
                                        <A href=app_href(&format!("/accounts/{}", account.id)) attr:class="roster-link">{account.name.clone()}</A>
                                    </th>
                                    <td><code>{account.sid.clone()}</code></td>
                                    <td>{account.status.label()}</td>
                                    <td>{account.owner.as_ref().map(|o| o.name.clone()).unwrap_or_else(|| "—".to_owned())}</td>
                                    <td class="roster-num">{account.user_count}</td>
                                </tr>
                            }).collect_view();
                            view! {
                                <p class="roster-summary" role="status">{format::count(page.total, "account", "accounts")}</p>
                                <div class="roster-table-wrap">
                                    <table class="roster-table">
                                        <caption class="roster-visually-hidden">"Managed accounts"</caption>
                                        <thead><tr>
                                            <th scope="col">"Name"</th>
                                            <th scope="col">"Account SID"</th>
                                            <th scope="col">"Status"</th>
                                            <th scope="col">"Owner"</th>
                                            <th scope="col">"Users"</th>
                                        </tr></thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                                <Pager page=page_number pages=page_count(page.total, DEFAULT_PAGE_SIZE) prev_href=prev_href next_href=next_href label="Account list pages" />
                            }
                            .into_any()
                        }
                        Err(failure) => view! { <ErrorPanel message=failure.message() on_retry=on_retry /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
