use leptos::prelude::*;
use roster_model::DomainState;

use super::use_title;
use crate::api::ApiClient;
use crate::components::ErrorPanel;
use crate::format;

#[component]
pub fn DomainsPage() -> impl IntoView {
    use_title(|| "Domains".to_owned());
    let api = expect_context::<ApiClient>();
    let domains = LocalResource::new(move || {
        let api = api.clone();
        async move { api.domains().await }
    });
    let on_retry = Callback::new(move |()| domains.refetch());
    view! {
        <section class="roster-page">
            <h1>"Domains"</h1>
            <p class="roster-muted">
                "People can be invited to the organization only at an email address on a verified domain. "
                "Verify a domain by adding the TXT record shown to its DNS."
            </p>
            <Transition fallback=|| view! { <p class="roster-loading" role="status">"Loading domains…"</p> }>
                {move || Suspend::new(async move {
                    match domains.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="roster-empty">"The organization has not claimed any domain yet."</p>
                        }.into_any(),
                        Ok(list) => {
                            let rows = list.into_iter().map(|domain| {
                                let badge = match domain.state {
                                    DomainState::Verified => "roster-badge roster-badge--success",
                                    DomainState::Pending => "roster-badge",
                                    DomainState::Failed | DomainState::Lapsed => "roster-badge roster-badge--warning",
                                };
                                view! {
                                    <tr>
                                        <th scope="row">{domain.name.clone()}</th>
                                        <td><span class=badge>{domain.state.label()}</span></td>
                                        <td><code>{domain.txt_host.clone()}</code></td>
                                        <td><code class="roster-break">{domain.txt_value.clone()}</code></td>
                                        <td>{format::optional_date(domain.verified_at)}</td>
                                    </tr>
                                }
                            }).collect_view();
                            view! {
                                <div class="roster-table-wrap">
                                    <table class="roster-table">
                                        <caption class="roster-visually-hidden">"Domains of the organization"</caption>
                                        <thead><tr>
                                            <th scope="col">"Domain"</th>
                                            <th scope="col">"Status"</th>
                                            <th scope="col">"TXT record host"</th>
                                            <th scope="col">"TXT record value"</th>
                                            <th scope="col">"Verified"</th>
                                        </tr></thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                            }.into_any()
                        }
                        Err(failure) => view! { <ErrorPanel message=failure.message() on_retry=on_retry /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
