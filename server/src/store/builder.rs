//! A query builder for sqlx's Any driver that numbers its placeholders (`$1`, `$2`, …), the form
//! both SQLite and PostgreSQL accept (or, built for SQLite alone, writes `?`). sqlx's own
//! `QueryBuilder` writes `?` for Any, which PostgreSQL refuses; this one keeps the part of its
//! interface the store uses.

use std::fmt::{Display, Write};

use sqlx::any::{Any, AnyArguments, AnyRow};
use sqlx::query::{Query, QueryScalar};
use sqlx::{Arguments, Encode, FromRow, Type};

use super::Backend;

pub(super) struct QueryBuilder<'args> {
    sql: String,
    arguments: AnyArguments<'args>,
    numbered: bool,
}

impl<'args> QueryBuilder<'args> {
    pub(super) fn new(init: impl Into<String>) -> Self {
        QueryBuilder {
            sql: init.into(),
            arguments: AnyArguments::default(),
            numbered: true,
        }
    }

    /// A builder for one backend alone, for statements with thousands of values: on SQLite it
    /// writes anonymous `?` placeholders, as SQLite looks each named one up in a list, which a
    /// multi-row insert of 18,000 values made quadratic (most of a 100,000-user seed's time).
    /// Its text must then hold no placeholder of its own: a `$1` beside `?`s binds wrongly.
    pub(super) fn for_backend(backend: Backend, init: impl Into<String>) -> Self {
        QueryBuilder {
            numbered: backend == Backend::Postgres,
            ..QueryBuilder::new(init)
        }
    }

    /// The SQL written so far, for tests of what a query asks.
    #[cfg(test)]
    pub(super) fn sql(&self) -> &str {
        &self.sql
    }

    pub(super) fn push(&mut self, sql: impl Display) -> &mut Self {
        // Writing to a String cannot fail.
        let _ = write!(self.sql, "{sql}");
        self
    }

    pub(super) fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'args + Encode<'args, Any> + Type<Any>,
    {
        // Any holds every type the store binds (integers, text, bytes and their options); its
        // encoding only copies the value, as sqlx's own builder also assumes.
        self.arguments
            .add(value)
            .expect("the Any driver encodes every type the store binds");
        if self.numbered {
            let number = self.arguments.len();
            self.push(format_args!("${number}"))
        } else {
            self.push("?")
        }
    }

    /// A list whose items `separator` divides, as in `IN (…)`.
    pub(super) fn separated<'qb>(&'qb mut self, separator: &'static str) -> Separated<'qb, 'args> {
        Separated {
            builder: self,
            separator,
            started: false,
        }
    }

    /// `VALUES (…), (…)`: one parenthesised row per item, filled by `push_row`.
    pub(super) fn push_values<I, F>(&mut self, rows: I, mut push_row: F) -> &mut Self
    where
        I: IntoIterator,
        F: FnMut(Separated<'_, 'args>, I::Item),
    {
        self.push("VALUES ");
        for (index, row) in rows.into_iter().enumerate() {
            if index > 0 {
                self.push(", ");
            }
            self.push("(");
            push_row(self.separated(", "), row);
            self.push(")");
        }
        self
    }

    /// The query, taking the bound values with it: build once.
    pub(super) fn build(&mut self) -> Query<'_, Any, AnyArguments<'_>> {
        sqlx::query_with(&self.sql, std::mem::take(&mut self.arguments))
    }

    pub(super) fn build_query_scalar<T>(&mut self) -> QueryScalar<'_, Any, T, AnyArguments<'_>>
    where
        (T,): for<'r> FromRow<'r, AnyRow>,
    {
        sqlx::query_scalar_with(&self.sql, std::mem::take(&mut self.arguments))
    }
}

pub(super) struct Separated<'qb, 'args> {
    builder: &'qb mut QueryBuilder<'args>,
    separator: &'static str,
    started: bool,
}

impl<'args> Separated<'_, 'args> {
    fn separate(&mut self) {
        if self.started {
            self.builder.push(self.separator);
        }
        self.started = true;
    }

    pub(super) fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'args + Encode<'args, Any> + Type<Any>,
    {
        self.separate();
        self.builder.push_bind(value);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::{Backend, QueryBuilder};

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut query = QueryBuilder::new("SELECT id FROM users WHERE org_id = ");
        query.push_bind(7_i64).push(" AND id IN (");
        let mut list = query.separated(", ");
        for id in [1_i64, 2, 3] {
            list.push_bind(id);
        }
        query.push(")");
        assert_eq!(
            query.sql,
            "SELECT id FROM users WHERE org_id = $1 AND id IN ($2, $3, $4)"
        );
    }

    #[test]
    fn sqlite_alone_gets_anonymous_placeholders() {
        let mut sqlite = QueryBuilder::for_backend(Backend::Sqlite, "VALUES (");
        sqlite
            .push_bind(1_i64)
            .push(", ")
            .push_bind(2_i64)
            .push(")");
        assert_eq!(sqlite.sql, "VALUES (?, ?)");
        let mut postgres = QueryBuilder::for_backend(Backend::Postgres, "VALUES (");
        postgres
            .push_bind(1_i64)
            .push(", ")
            .push_bind(2_i64)
            .push(")");
        assert_eq!(postgres.sql, "VALUES ($1, $2)");
    }

    #[test]
    fn values_rows_are_parenthesised_and_separated() {
        let mut query = QueryBuilder::new("INSERT INTO t (a, b) ");
        query.push_values([(1_i64, "x"), (2, "y")], |mut row, (a, b)| {
            row.push_bind(a).push_bind(b);
        });
        assert_eq!(query.sql, "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
    }
}
