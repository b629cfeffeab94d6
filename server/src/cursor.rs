//! Opaque keyset cursors: base64url of a small JSON object naming the boundary row's sort key and id,
//! which way to page, and the sort order the cursor belongs to (a cursor is refused under another order).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use roster_model::{SortDir, SortField};
use serde::{Deserialize, Serialize};

/// The value of the sort column at the boundary row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortKey {
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Rows after the boundary in sort order (the next page).
    #[serde(rename = "a")]
    After,
    /// Rows before the boundary (the previous page).
    #[serde(rename = "b")]
    Before,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "k")]
    pub key: SortKey,
    pub id: i64,
    #[serde(rename = "d")]
    pub direction: Direction,
    #[serde(rename = "s")]
    pub sort: String,
}

impl Cursor {
    pub fn new(
        key: SortKey,
        id: i64,
        direction: Direction,
        field: SortField,
        dir: SortDir,
    ) -> Self {
        Cursor {
            key,
            id,
            direction,
            sort: sort_tag(field, dir),
        }
    }

    pub fn encode(&self) -> String {
        // Serialising this plain struct cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Decodes a cursor made for the same sort order, or None for anything else.
    pub fn decode(text: &str, field: SortField, dir: SortDir) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let cursor: Cursor = serde_json::from_slice(&bytes).ok()?;
        (cursor.sort == sort_tag(field, dir)).then_some(cursor)
    }
}

fn sort_tag(field: SortField, dir: SortDir) -> String {
    format!("{}:{}", field.as_str(), dir.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let cursor = Cursor::new(
            SortKey::Text("lovelace ada".into()),
            42,
            Direction::Before,
            SortField::Name,
            SortDir::Desc,
        );
        let text = cursor.encode();
        assert!(text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(
            Cursor::decode(&text, SortField::Name, SortDir::Desc),
            Some(cursor)
        );
    }

    #[test]
    fn a_cursor_is_refused_under_another_sort_order_or_when_mangled() {
        let text = Cursor::new(
            SortKey::Int(7),
            1,
            Direction::After,
            SortField::Date,
            SortDir::Asc,
        )
        .encode();
        assert_eq!(Cursor::decode(&text, SortField::Date, SortDir::Desc), None);
        assert_eq!(Cursor::decode(&text, SortField::Email, SortDir::Asc), None);
        assert_eq!(
            Cursor::decode("not a cursor!", SortField::Date, SortDir::Asc),
            None
        );
        assert_eq!(Cursor::decode("", SortField::Date, SortDir::Asc), None);
    }
}
