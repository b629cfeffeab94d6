//! Keyset pagination: opaque cursors (base64url of a small JSON object naming the boundary row's
//! sort key and id, which way to page, and the sort order the cursor belongs to — a cursor is
//! refused under another order), and the SQL tail and page they make.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use roster_model::{Page, SortDir, SortField, COUNT_CAP};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::builder::QueryBuilder;
use super::rows::sort_key;
use super::{Store, StoreResult};

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
        // The key must be of the sort column's kind: PostgreSQL refuses to compare a number
        // with text (SQLite would quietly answer an empty page), and a NUL in text (which no
        // name or address holds, and PostgreSQL's text cannot).
        let key_fits = match (&cursor.key, field) {
            (SortKey::Int(_), SortField::Date) => true,
            (SortKey::Text(text), SortField::Name | SortField::Email) => !text.contains('\0'),
            _ => false,
        };
        (key_fits && cursor.sort == sort_tag(field, dir)).then_some(cursor)
    }
}

fn sort_tag(field: SortField, dir: SortDir) -> String {
    format!("{}:{}", field.as_str(), dir.as_str())
}

/// Keyset pagination over `(key_expr, id_expr)`: the WHERE condition, ORDER BY and LIMIT, and the
/// cursors of the resulting page.
pub(super) struct Keyset<'a> {
    pub(super) key_expr: &'static str,
    pub(super) id_expr: &'static str,
    pub(super) field: SortField,
    pub(super) dir: SortDir,
    pub(super) cursor: Option<&'a Cursor>,
    pub(super) limit: u32,
}

impl Keyset<'_> {
    /// The order rows are read in: the asked order, or its reverse when paging backwards.
    fn scan_dir(&self) -> SortDir {
        match self.cursor {
            Some(Cursor {
                direction: Direction::Before,
                ..
            }) => self.dir.reversed(),
            _ => self.dir,
        }
    }

    pub(super) fn push_tail(&self, query: &mut QueryBuilder<'_>) {
        let scan = self.scan_dir();
        if let Some(cursor) = self.cursor {
            let op = match scan {
                SortDir::Asc => ">",
                SortDir::Desc => "<",
            };
            query.push(format_args!(
                " AND ({}, {}) {op} (",
                self.key_expr, self.id_expr
            ));
            match &cursor.key {
                SortKey::Int(value) => query.push_bind(*value),
                SortKey::Text(value) => query.push_bind(value.clone()),
            };
            query.push(", ");
            query.push_bind(cursor.id);
            query.push(")");
        }
        self.push_order(query, self.key_expr, self.id_expr);
        // One row more than asked tells whether another page follows.
        query.push(" LIMIT ");
        query.push_bind(i64::from(self.limit) + 1);
    }

    /// ORDER BY `key` and `id` in the order rows are read in (see `page`).
    pub(super) fn push_order(&self, query: &mut QueryBuilder<'_>, key: &str, id: &str) {
        let order = match self.scan_dir() {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        };
        query.push(format_args!(" ORDER BY {key} {order}, {id} {order}"));
    }

    /// The page of `rows` read under this keyset (each with its `id` and its `sort_key`), each
    /// item read by `read`.
    pub(super) fn page_of_rows<T>(
        &self,
        rows: &[AnyRow],
        total: Tally,
        read: impl Fn(&AnyRow) -> StoreResult<T>,
    ) -> StoreResult<Page<T>> {
        let items = rows
            .iter()
            .map(|row| Ok((sort_key(row, self.field)?, row.try_get("id")?, read(row)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(self.page(items, total))
    }

    pub(super) fn page<T>(&self, mut rows: Vec<(SortKey, i64, T)>, total: Tally) -> Page<T> {
        let limit = self.limit as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let backwards = matches!(
            self.cursor,
            Some(Cursor {
                direction: Direction::Before,
                ..
            })
        );
        if backwards {
            rows.reverse();
        }
        let boundary = |row: Option<&(SortKey, i64, T)>, direction| {
            row.map(|(key, id, _)| {
                Cursor::new(key.clone(), *id, direction, self.field, self.dir).encode()
            })
        };
        // Going forwards, "more" means a next page and any cursor means we came from a previous one;
        // going backwards it is the other way round.
        let (has_prev, has_next) = if backwards {
            (more, true)
        } else {
            (self.cursor.is_some(), more)
        };
        let prev_cursor = if has_prev {
            boundary(rows.first(), Direction::Before)
        } else {
            None
        };
        let next_cursor = if has_next {
            boundary(rows.last(), Direction::After)
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(|(_, _, item)| item).collect(),
            total: total.count,
            total_capped: total.capped,
            next_cursor,
            prev_cursor,
        }
    }
}

/// How a list learns how many rows it has in all.
pub(super) enum Total<'q> {
    /// Count every row: the query is `SELECT COUNT(*) FROM …`.
    Count(QueryBuilder<'q>),
    /// Count at most `COUNT_CAP` rows: the query is [`Total::capped_count`] followed by FROM and
    /// WHERE.
    UpToCap(QueryBuilder<'q>),
    /// Known already (a count the database maintains).
    Known(u64),
    /// Known to be more than `COUNT_CAP` (a search that found more matches than it counts).
    MoreThanCap,
}

impl Total<'_> {
    /// The start of an `UpToCap` count.
    pub(super) fn capped_count() -> QueryBuilder<'static> {
        QueryBuilder::new("SELECT COUNT(*) FROM (SELECT 1 AS one ")
    }
}

/// A count, and whether counting stopped at `COUNT_CAP` (so it is a lower bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub capped: bool,
}

impl Tally {
    /// All of them: `count`.
    pub(super) fn exact(count: u64) -> Tally {
        Tally {
            count,
            capped: false,
        }
    }

    /// `count`, or `COUNT_CAP` and capped when it is more.
    pub(super) fn up_to_cap(count: u64) -> Tally {
        Tally {
            count: count.min(COUNT_CAP),
            capped: count > COUNT_CAP,
        }
    }
}

impl Store {
    pub(super) async fn total(&self, total: Total<'_>) -> StoreResult<Tally> {
        let (mut query, capped) = match total {
            Total::Known(count) => return Ok(Tally::exact(count)),
            Total::MoreThanCap => return Ok(Tally::up_to_cap(COUNT_CAP + 1)),
            Total::Count(query) => (query, false),
            Total::UpToCap(mut query) => {
                // One row past the cap tells "exactly the cap" from "more".
                query.push(" LIMIT ");
                query.push_bind(i64::try_from(COUNT_CAP + 1).unwrap_or(i64::MAX));
                query.push(") capped");
                (query, true)
            }
        };
        let count: i64 = query.build_query_scalar().fetch_one(&self.pool).await?;
        let count = u64::try_from(count).unwrap_or_default();
        Ok(if capped {
            Tally::up_to_cap(count)
        } else {
            Tally::exact(count)
        })
    }

    /// One page of a keyset-paged list: `total` tells how many rows match in all; `query` selects
    /// them (with the row's `id` and its `sort_key`) without order or limit, which `keyset` adds;
    /// `read` reads each row.
    pub(super) async fn keyset_page<T>(
        &self,
        total: Total<'_>,
        mut query: QueryBuilder<'_>,
        keyset: &Keyset<'_>,
        read: impl Fn(&AnyRow) -> StoreResult<T>,
    ) -> StoreResult<Page<T>> {
        keyset.push_tail(&mut query);
        // The count and the page are read at once, on two connections: neither waits for the
        // other, so a page costs the slower of the two rather than their sum.
        let (total, rows) = tokio::try_join!(self.total(total), async {
            Ok(query.build().fetch_all(&self.pool).await?)
        })?;
        keyset.page_of_rows(&rows, total, read)
    }
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
        // A hand-made cursor whose key is text under the date order (a number under the name).
        let forged = |key: &str, sort: &str| {
            URL_SAFE_NO_PAD.encode(format!(r#"{{"k":{key},"id":1,"d":"a","s":"{sort}"}}"#))
        };
        assert_eq!(
            Cursor::decode(&forged("\"x\"", "date:asc"), SortField::Date, SortDir::Asc),
            None
        );
        assert_eq!(
            Cursor::decode(&forged("7", "name:asc"), SortField::Name, SortDir::Asc),
            None
        );
        assert!(Cursor::decode(&forged("7", "date:asc"), SortField::Date, SortDir::Asc).is_some());
        assert_eq!(
            Cursor::decode(
                &forged(r#""a\u0000b""#, "name:asc"),
                SortField::Name,
                SortDir::Asc
            ),
            None
        );
        assert!(Cursor::decode(
            &forged(r#""ab""#, "name:asc"),
            SortField::Name,
            SortDir::Asc
        )
        .is_some());
        assert_eq!(
            Cursor::decode("not a cursor!", SortField::Date, SortDir::Asc),
            None
        );
        assert_eq!(Cursor::decode("", SortField::Date, SortDir::Asc), None);
    }
}
