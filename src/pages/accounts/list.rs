use leptos::prelude::*;
use roster_model::DEFAULT_PAGE_SIZE;

use crate::api::ApiClient;
use crate::components::{ErrorPanel, PagedTable, SearchBox, TableHeader};
use crate::format;
use crate::list::{list_href, use_list_query, use_replace_navigation, PageLinks};
use crate::pages::use_title;
use crate::reactive::{local_resource, suspend};
use crate::router::A;

#[component]
pub fn AccountsPage() -> impl IntoView {
    use_title(|| "Accounts".to_owned());
    let api = expect_context::<ApiClient>();
    let navigate = use_replace_navigation();
    let state = use_list_query();
    let accounts = local_resource(move || {
        let query = state.get();
        let (search, cursor, page) = (query.search(), query.cursor(), query.page());
        async move {
            let result = api
                .accounts(&search, cursor.as_deref(), DEFAULT_PAGE_SIZE)
                .await;
            (search, page, result)
        }
    });
    let on_search = Callback::new(move |text: String| {
        if text.trim() != state.get_untracked().search().trim() {
            navigate(&list_href("/accounts", &text, None, 1));
        }
    });
    let on_retry = Callback::new(move |()| accounts.refetch());
    let search_value = Signal::derive(move || state.read().search());

    view! {
        <section class="roster-page">
            <h1>"Accounts"</h1>
            <p class="roster-muted">"The organization's managed accounts and who owns each."</p>
            <div class="roster-toolbar">
                <SearchBox id="roster-account-search" label="Search accounts" value=search_value on_search=on_search />
            </div>
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading accounts…"</p> }>
                {move || suspend(async move {
                    let (search, page_number, result) = accounts.await;
                    match result {
                        Ok(page) => {
                            let links = PageLinks::of(page_number, &page, DEFAULT_PAGE_SIZE, |cursor, to| {
                                list_href("/accounts", &search, cursor, to)
                            });
                            let rows = page.items.clone().into_iter().map(|account| view! {
                                <tr>
                                    <th scope="row">
                                        <A href=format!("/accounts/{}", account.id) attr:class="roster-link">{account.name.clone()}</A>
                                    </th>
                                    <td><code>{account.sid.clone()}</code></td>
                                    <td>{account.status.label()}</td>
                                    <td>{account.owner.as_ref().map(|o| o.name.clone()).unwrap_or_else(|| "—".to_owned())}</td>
                                    <td class="roster-num">{account.user_count}</td>
                                </tr>
                            }).collect_view();
                            view! {
                                <PagedTable summary=format::count(page.total, "account", "accounts") caption="Managed accounts"
                                    links=links pager_label="Account list pages">
                                    <TableHeader slot>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Account SID"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Owner"</th>
                                        <th scope="col">"Users"</th>
                                    </TableHeader>
                                    {rows}
                                </PagedTable>
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
