//! What every paged, searchable list shares: its place held in the URL (`?q=&cursor=&page=`, read
//! through typed query parameters), the URLs of its pages, and its page links.

use leptos::prelude::*;
use roster_model::Page;
use serde::Deserialize;

use crate::reactive::effect;
use crate::router::{use_navigate, use_typed_query, NavigateOptions};

/// A list's place as the URL's query holds it; of a malformed query, what it takes.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    /// The search text.
    pub q: Option<String>,
    /// The cursor that opens this page (none on the first).
    pub cursor: Option<String>,
    /// The page's number, for "Page 3 of 40" (the cursor decides what is on it).
    pub page: Option<u32>,
}

impl ListQuery {
    pub fn search(&self) -> String {
        self.q.clone().unwrap_or_default()
    }

    pub fn cursor(&self) -> Option<String> {
        self.cursor.clone().filter(|cursor| !cursor.is_empty())
    }

    pub fn page(&self) -> u32 {
        page_number(self.cursor().as_deref(), self.page)
    }
}

/// The number a URL gives the page its cursor opens; 1 without a cursor, whatever a hand-edited
/// URL says (the first page's rows are shown then, and would be called another's).
pub fn page_number(cursor: Option<&str>, page: Option<u32>) -> u32 {
    match cursor {
        Some(_) => page.filter(|page| *page >= 1).unwrap_or(1),
        None => 1,
    }
}

/// The search, cursor and page of the current URL.
pub fn use_list_query() -> Memo<ListQuery> {
    use_typed_query::<ListQuery>()
}

/// `path?k=v&…` with values percent-encoded; empty values are left out so URLs stay short.
pub fn href_with_query(path: &str, pairs: &[(&str, String)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| {
            format!(
                "{key}={}",
                String::from(js_sys::encode_uri_component(value))
            )
        })
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// The URL of page `page` (opened by `cursor`) of the list at `path` filtered by `filters`.
pub fn page_href(
    path: &str,
    filters: &[(&str, String)],
    cursor: Option<String>,
    page: u32,
) -> String {
    let mut pairs = filters.to_vec();
    pairs.push(("cursor", cursor.unwrap_or_default()));
    pairs.push((
        "page",
        if page > 1 {
            page.to_string()
        } else {
            String::new()
        },
    ));
    href_with_query(path, &pairs)
}

/// A searchable list's URL: `path?q=&cursor=&page=`.
pub fn list_href(path: &str, search: &str, cursor: Option<String>, page: u32) -> String {
    page_href(path, &[("q", search.to_owned())], cursor, page)
}

/// Goes to `href` in place (no history entry, no scroll): how a new search or filter sends a list
/// back to its first page.
pub fn use_replace_navigation() -> impl Fn(&str) + Clone + 'static {
    let navigate = use_navigate();
    move |href: &str| {
        navigate(
            href,
            NavigateOptions {
                replace: true,
                scroll: false,
            },
        )
    }
}

/// Which page of a keyset list is shown, how many there are, and the links to its neighbours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLinks {
    pub page: u32,
    pub pages: u32,
    /// `pages` is a lower bound (the list's count stopped at its cap).
    pub pages_at_least: bool,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl PageLinks {
    /// The links around page `page` of a list shown `per_page` at a time. `href(cursor, page)`
    /// builds a link; the way back to page 1 drops the cursor, so the first page always has its
    /// plain URL.
    pub fn of<T>(
        page: u32,
        list: &Page<T>,
        per_page: u32,
        href: impl Fn(Option<String>, u32) -> String,
    ) -> Self {
        let prev = list.prev_cursor.clone().map(|cursor| {
            let to = page.saturating_sub(1).max(1);
            href((to > 1).then_some(cursor), to)
        });
        let next = list
            .next_cursor
            .clone()
            .map(|cursor| href(Some(cursor), page + 1));
        PageLinks {
            page,
            pages: page_count(list.total, per_page),
            pages_at_least: list.total_capped,
            prev,
            next,
        }
    }
}

/// How many pages `total` items fill at `per_page` a page (at least one, for the empty list).
pub fn page_count(total: u64, per_page: u32) -> u32 {
    let per_page = u64::from(per_page.max(1));
    u32::try_from(total.div_ceil(per_page).max(1)).unwrap_or(u32::MAX)
}

/// The answer to a read that follows the signals `read` uses: each change sends at once and
/// cancels the read it replaces (its request is aborted), so only the newest answer is ever shown
/// and typing never queues behind a slow one. (A `LocalResource` waits for a read to finish
/// before it starts the next.) None until the first answer; after that, the last answer stays
/// until a newer one comes.
pub fn latest_read<T, Fut>(read: impl Fn() -> Fut + 'static) -> ReadSignal<Option<T>>
where
    T: Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + 'static,
{
    let answer = RwSignal::new(None);
    effect(move || {
        let pending = read();
        // Scoped to this run of the effect: the next run cleans it up, which cancels the task
        // and aborts its request.
        leptos::task::spawn_local_scoped_with_cancellation(async move {
            answer.set(Some(pending.await));
        });
    });
    answer.read_only()
}

/// What an export came to.
pub enum Exported {
    /// The file is in the browser's downloads.
    File,
    /// Nothing matched: no file was made.
    NoRows,
}

/// Saves `download` unless it has no rows.
pub async fn save_unless_empty(download: crate::api::Download) -> Result<Exported, String> {
    if download.has_no_rows().await {
        return Ok(Exported::NoRows);
    }
    crate::dom::save_download(&download)
        .map(|()| Exported::File)
        .map_err(str::to_owned)
}

/// A list's CSV export under way or just done: pressed again while it runs it does nothing (the
/// button waits with `aria-disabled`, keeping focus), and its end is said, done or failed.
#[derive(Clone, Copy)]
pub struct ExportRun {
    /// Under way: the button says "Exporting…".
    pub exporting: RwSignal<bool>,
    /// Why the last one failed.
    pub failure: RwSignal<Option<String>>,
    /// The last one saved its file.
    done: RwSignal<bool>,
    /// The last one made no file: the list it would have saved is empty.
    empty: RwSignal<bool>,
}

impl ExportRun {
    pub fn new() -> Self {
        ExportRun {
            exporting: RwSignal::new(false),
            failure: RwSignal::new(None),
            done: RwSignal::new(false),
            empty: RwSignal::new(false),
        }
    }

    /// Starts an export, unless one runs: whether it started.
    pub fn begin(&self) -> bool {
        if self.exporting.get_untracked() {
            return false;
        }
        self.exporting.set(true);
        self.failure.set(None);
        self.done.set(false);
        self.empty.set(false);
        true
    }

    /// The last export made no file, as there was nothing to save.
    pub fn made_no_file(&self) -> bool {
        self.empty.get()
    }

    /// Ends it with what came of it (the page may be gone by then).
    pub fn finish(&self, outcome: Result<Exported, String>) {
        let _ = self.exporting.try_set(false);
        let _ = self.done.try_set(matches!(outcome, Ok(Exported::File)));
        let _ = self.empty.try_set(matches!(outcome, Ok(Exported::NoRows)));
        let _ = self.failure.try_set(outcome.err());
    }

    /// Forgets that the last export found no rows: the list it was about is no longer shown.
    pub fn forget_no_rows(&self) {
        self.empty.set(false);
    }

    /// What a status line says while it runs: `preparing`.
    pub fn preparing(&self, preparing: &'static str) -> Option<&'static str> {
        self.exporting.get().then_some(preparing)
    }

    /// What a status line says once the file is saved (a line of its own: the button's
    /// description says only what is under way).
    pub fn saved(&self) -> Option<&'static str> {
        // `begin` forgets it, so it never stands beside "preparing".
        self.done
            .get()
            .then_some("The CSV file is in the browser's downloads.")
    }
}

impl Default for ExportRun {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::{page_count, PageLinks};
    use roster_model::Page;

    fn list(prev: Option<&str>, next: Option<&str>, total: u64) -> Page<()> {
        Page {
            items: Vec::new(),
            total,
            total_capped: false,
            next_cursor: next.map(str::to_owned),
            prev_cursor: prev.map(str::to_owned),
        }
    }

    #[test]
    fn page_links_drop_the_cursor_back_to_page_one() {
        let href =
            |cursor: Option<String>, page: u32| format!("{}@{page}", cursor.unwrap_or_default());
        let links = PageLinks::of(2, &list(Some("b"), None, 30), 25, href);
        assert_eq!(
            (links.prev, links.next, links.pages),
            (Some("@1".into()), None, 2)
        );
        let links = PageLinks::of(3, &list(Some("b"), Some("n"), 100), 25, href);
        assert_eq!(
            (links.prev, links.next),
            (Some("b@2".into()), Some("n@4".into()))
        );
        let links = PageLinks::of(1, &list(None, Some("n"), 100), 25, href);
        assert_eq!((links.prev, links.next), (None, Some("n@2".into())));
    }

    #[test]
    fn page_counts() {
        assert_eq!(page_count(0, 25), 1);
        assert_eq!(page_count(25, 25), 1);
        assert_eq!(page_count(26, 25), 2);
        assert_eq!(page_count(100_000, 25), 4000);
    }
}
