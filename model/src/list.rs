//! Lists of the API: sort orders and keyset-paginated pages.

use serde::{Deserialize, Serialize};

use crate::named::named_enum;

named_enum! {
    #[derive(Default)]
    pub enum SortField {
        #[default]
        Name = "name",
        Email = "email",
        /// When the user joined the organization (Managed, Imported), was invited (Invited) or was created.
        Date = "date",
    }
}

named_enum! {
    #[derive(Default)]
    pub enum SortDir {
        #[default]
        Asc = "asc",
        Desc = "desc",
    }
}

impl SortDir {
    pub fn reversed(self) -> Self {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }
}

/// Page sizes the API accepts; the list endpoints default to the first.
pub const DEFAULT_PAGE_SIZE: u32 = 25;
pub const MAX_PAGE_SIZE: u32 = 200;
/// Longest search text accepted, so a pasted paragraph cannot become an expensive query.
pub const MAX_SEARCH_LEN: usize = 200;

/// What a search text looks for: the address of a person written as `Name <address>` or
/// `mailto:address` (as mail programs and other consoles copy them; a closing `>` may be left
/// out), else the text itself, trimmed. The name beside an address is not searched with it (a
/// search matches one name or address).
pub fn search_term(text: &str) -> &str {
    let text = text.trim();
    let bracketed = text
        .rsplit_once('<')
        .map(|(_, rest)| rest.strip_suffix('>').unwrap_or(rest))
        .unwrap_or(text)
        .trim();
    let address = match bracketed.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => bracketed[7..].trim(),
        _ => bracketed,
    };
    match address.contains('@') && !address.contains(['<', '>']) {
        true => address,
        false => text,
    }
}

/// Searched and filtered user lists count their matches up to this many and then say "more":
/// counting every match of a broad search among a million users would cost far more than the page.
pub const COUNT_CAP: u64 = 10_000;

/// One page of a keyset-paginated list. Cursors are opaque; pass one back as `cursor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items match the whole query, across every page (`COUNT_CAP` when `total_capped`).
    pub total: u64,
    /// Counting stopped at `COUNT_CAP`: more than `total` match.
    #[serde(default)]
    pub total_capped: bool,
    pub next_cursor: Option<String>,
    pub prev_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_address_searches_for_the_address() {
        let maya = "maya.chen@northwind.example";
        assert_eq!(search_term("Maya Chen <maya.chen@northwind.example>"), maya);
        assert_eq!(search_term("  <maya.chen@northwind.example> "), maya);
        assert_eq!(
            search_term("\"Chen, Maya\" < maya.chen@northwind.example >"),
            maya
        );
        assert_eq!(search_term("Maya Chen <maya.chen@northwind.example"), maya);
        assert_eq!(search_term("mailto:maya.chen@northwind.example"), maya);
        assert_eq!(search_term("<mailto: maya.chen@northwind.example>"), maya);
        assert_eq!(
            search_term("Maya <MAILTO:maya.chen@northwind.example>"),
            maya
        );
        // Anything else is searched as written (trimmed).
        assert_eq!(search_term(" chen "), "chen");
        assert_eq!(search_term("<>"), "<>");
        assert_eq!(search_term("a<b"), "a<b");
        assert_eq!(search_term("x>"), "x>");
        assert_eq!(search_term("a < b@c > d"), "a < b@c > d");
        assert_eq!(search_term("mailto:"), "mailto:");
        assert_eq!(search_term("maya@"), "maya@");
        assert_eq!(search_term("é<"), "é<");
    }

    #[test]
    fn sort_options_parse() {
        assert_eq!(SortField::parse("email"), Some(SortField::Email));
        assert_eq!(SortDir::parse("desc"), Some(SortDir::Desc));
        assert_eq!(SortDir::Asc.reversed(), SortDir::Desc);
        assert_eq!(SortField::parse("password"), None);
    }
}
