use leptos::prelude::*;

use crate::format;
use crate::list::PageLinks;
use crate::router::A;

/// Previous/next links for keyset pages. A missing link renders a disabled control.
#[component]
pub fn Pager(
    links: PageLinks,
    /// What is paged, for the landmark's name ("Users pages").
    label: &'static str,
) -> impl IntoView {
    // Each answer draws the pager again: its keys let focus follow "Next page" to the new one
    // (`dom::keep_focus_across_redraws`), also where that page is the last and it is disabled.
    let link = |href: Option<String>, text: &'static str, rel: &'static str| {
        let key = format!("pager-{rel}");
        match href {
        Some(href) => view! { <A href=href attr:class="roster-button roster-button--quiet" attr:rel=rel attr:data-focus-key=key>{text}</A> }.into_any(),
        None => view! { <span class="roster-button roster-button--quiet" aria-disabled="true" tabindex="-1" data-focus-key=key>{text}</span> }.into_any(),
    }
    };
    let PageLinks {
        page,
        pages,
        pages_at_least,
        prev,
        next,
    } = links;
    // A lower bound stays one however far the admin pages on.
    let pages = format::tally(u64::from(pages.max(page).max(1)), pages_at_least);
    view! {
        <nav class="roster-pager" aria-label=label>
            {link(prev, "Previous page", "prev")}
            <span class="roster-pager__position">{format!("Page {page} of {pages}")}</span>
            {link(next, "Next page", "next")}
        </nav>
    }
}
