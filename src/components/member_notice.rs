use leptos::prelude::*;

/// Shown instead of a management page to a signed-in Member: only Owners and Administrators manage
/// users.
#[component]
pub fn MemberNotice(#[prop(into)] org_name: String) -> impl IntoView {
    // In place of the page the address names, whose title it would otherwise keep (the sign-in
    // page's, a mailed link's).
    crate::pages::use_title(|| "User management".to_owned());
    view! {
        <section class="roster-page">
            <h1>"User management"</h1>
            <p class="roster-notice" role="status">
                {format!("You are a Member of {org_name}. Only the organization's Owners and Administrators manage its users, accounts and domains.")}
            </p>
        </section>
    }
}
