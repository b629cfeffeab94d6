use leptos::prelude::*;

use super::Pager;
use crate::list::PageLinks;

/// The header row of a [`PagedTable`]: its `<th scope="col">` cells.
#[slot]
pub struct TableHeader {
    children: Children,
}

/// One page of a list as a table: the count, the table (named for screen readers, with its header
/// row and the rows given as children) and, for a paged list, the pager under it.
#[component]
pub fn PagedTable(
    /// The count line above the table ("1,234 users"), announced when it changes.
    summary: String,
    /// Names the table for screen readers.
    caption: &'static str,
    table_header: TableHeader,
    /// Where this page is among the others; none for a list that fits on one page.
    #[prop(optional)]
    links: Option<PageLinks>,
    /// Names the pager's landmark ("Account list pages").
    #[prop(optional)]
    pager_label: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <p class="roster-summary" role="status">{summary}</p>
        // Focusable, so that a table wider than a phone's screen scrolls from the keyboard too.
        <div class="roster-table-wrap" tabindex="0" role="region" aria-label=caption>
            <table class="roster-table">
                <caption class="roster-visually-hidden">{caption}</caption>
                <thead><tr>{(table_header.children)()}</tr></thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
        {links.map(|links| view! { <Pager links=links label=pager_label /> })}
    }
}
