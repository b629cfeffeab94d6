//! SQL fragments more than one feature's queries share: the user-list views, substring search and
//! the stored forms of names it matches on.

use super::builder::QueryBuilder;
use super::Backend;
use roster_model::{RoleSet, Timestamp, TwoFactorState, UserFilter, UserFilters, UserView};

/// The "name" sort key: family name first, then given name, then email for people with no name yet.
pub fn sort_name(given: &str, family: &str, email: &str) -> String {
    format!("{} {} {}", family.trim(), given.trim(), email)
        .trim()
        .to_lowercase()
}

/// What substring search matches against: the name in both orders' natural form, and the email.
pub fn search_text(given: &str, family: &str, email: &str) -> String {
    format!("{} {} {}", given.trim(), family.trim(), email).to_lowercase()
}

/// Organization-membership columns, for the views whose rows are members.
pub(super) const MEMBER_COLUMNS: &str = "u.org_role AS org_role, u.joined_at AS joined_at, \
    u.member_source AS member_source, imp.id AS imp_id, imp.given_name AS imp_given, \
    imp.family_name AS imp_family, imp.email AS imp_email, ";
pub(super) const NO_MEMBER_COLUMNS: &str =
    "CAST(NULL AS TEXT) AS org_role, CAST(NULL AS BIGINT) AS joined_at, \
    CAST(NULL AS TEXT) AS member_source, CAST(NULL AS BIGINT) AS imp_id, \
    CAST(NULL AS TEXT) AS imp_given, CAST(NULL AS TEXT) AS imp_family, \
    CAST(NULL AS TEXT) AS imp_email, ";
/// The pending invitation (`i`) and who sent it (`inv_by`).
pub(super) const INVITATION_COLUMNS: &str = "i.id AS inv_id, i.sent_at AS inv_sent_at, \
    i.last_sent_at AS inv_last_sent_at, i.expires_at AS inv_expires_at, inv_by.id AS by_id, \
    inv_by.given_name AS by_given, inv_by.family_name AS by_family, inv_by.email AS by_email, ";
pub(super) const NO_INVITATION_COLUMNS: &str = "CAST(NULL AS BIGINT) AS inv_id, CAST(NULL AS BIGINT) AS inv_sent_at, \
    CAST(NULL AS BIGINT) AS inv_last_sent_at, CAST(NULL AS BIGINT) AS inv_expires_at, \
    CAST(NULL AS BIGINT) AS by_id, CAST(NULL AS TEXT) AS by_given, CAST(NULL AS TEXT) AS by_family, \
    CAST(NULL AS TEXT) AS by_email, ";

/// Who imported the member `u` (`imp`), for `MEMBER_COLUMNS`.
pub(super) const IMPORTER_JOIN: &str = "LEFT JOIN users imp ON imp.id = u.imported_by ";
/// Who sent the invitation `i` (`inv_by`), for `INVITATION_COLUMNS`.
pub(super) const SENDER_JOIN: &str = "LEFT JOIN users inv_by ON inv_by.id = i.invited_by ";

/// What a query over a tab reads beside the tab's own rows, each more than the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum ViewReads {
    /// The tab's rows alone: members, or the External tab's access rows (`x`) and the Invited
    /// tab's invitations (`i`), which carry the sort keys and what the filters test, so counting
    /// a tab under filters reads no user row (an account filter still reads who holds what).
    Own,
    /// The users too (`u`): what a search tests. (On PostgreSQL an unfiltered search of the
    /// Managed tab reads its members' ids, sort keys and search text alone, from `member_search`:
    /// see `reads_member_search`.)
    Users,
    /// And what the row columns show (the importer, the sender).
    Rows,
}

/// FROM and WHERE of one tab of the user-management page.
/// Invited rows are pending invitations, expired ones included (the list marks them).
pub(super) fn push_user_view_from(
    query: &mut QueryBuilder<'_>,
    view: UserView,
    org_id: i64,
    reads: ViewReads,
) {
    match view {
        UserView::Managed | UserView::Imported => {
            query.push("FROM users u ");
            if reads == ViewReads::Rows {
                query.push(IMPORTER_JOIN);
            }
            query.push("WHERE u.org_id = ");
            query.push_bind(org_id);
            if view == UserView::Imported {
                query.push(" AND u.member_source = 'imported'");
            }
        }
        UserView::External => {
            // Non-members with a role on one of the organization's accounts, as the triggers
            // keep them: the tab reads these rows alone, however many members there are.
            query.push("FROM org_access x ");
            if reads != ViewReads::Own {
                query.push("JOIN users u ON u.id = x.user_id ");
            }
            query.push("WHERE x.member = 0 AND x.org_id = ");
            query.push_bind(org_id);
        }
        UserView::Invited => {
            query.push("FROM invitations i ");
            if reads != ViewReads::Own {
                query.push("JOIN users u ON u.id = i.user_id ");
            }
            if reads == ViewReads::Rows {
                query.push(SENDER_JOIN);
            }
            query.push("WHERE i.state = 'pending' AND i.account_id IS NULL AND i.org_id = ");
            query.push_bind(org_id);
        }
    }
}

/// How a search finds the users that hold its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Matching {
    /// Candidates from the trigram index, then the exact test: few matches among many users.
    Indexed,
    /// The exact test alone, on each row the query reads anyway: a term most users hold, read in
    /// sort order until a page is full, where the index would first list every match.
    Scanned,
    /// On PostgreSQL, candidates for a term without a trigram from the index of pairs of
    /// characters, then the exact test: a term of two characters or more that few users hold
    /// (see `Store::search_matching`). Elsewhere as `Indexed`.
    Pairs,
}

/// Substring search on users. `Matching::Indexed` first narrows the rows to candidates through the
/// trigram index where the text has a trigram, a superset (on PostgreSQL a `%` or `_` typed by the
/// admin acts as a wildcard there), and `Matching::Pairs` through the index of pairs where it can;
/// the exact test then keeps exactly the users whose name or email holds the text (on PostgreSQL,
/// for a term with no wildcard or backslash, the candidates' LIKE is itself that test).
pub(super) fn push_user_search(
    query: &mut QueryBuilder<'_>,
    backend: Backend,
    search: Option<&str>,
    matching: Matching,
) {
    if let Some(search) = search {
        let mut trigram_candidates = false;
        match matching {
            Matching::Pairs if pairs_can_narrow(backend, search) => {
                query.push(" AND ");
                push_pair_candidates(query, search);
            }
            Matching::Indexed | Matching::Pairs => {
                query.push(" AND ");
                push_search_candidates(query, backend, search);
                trigram_candidates = has_trigram(backend, search);
            }
            Matching::Scanned => {}
        }
        match backend {
            // PostgreSQL tests each candidate's text against the candidates' LIKE itself, which
            // is the exact test when the term holds no wildcard or backslash: a second LIKE
            // tested each match again (1,000,000 users, "chen": 3 ms of 30 on the database).
            Backend::Postgres
                if trigram_candidates && candidate_pattern(search) == like_pattern(search) => {}
            // A LIKE of text without a trigram is one PostgreSQL's trigram index can still
            // answer, by listing every row of it; estimating few matches for a rare pair of
            // letters, the planner takes it (1,000,000 users, "zz": 1.0 s instead of 0.35), where
            // `strpos` is no operator of the index, so the rows the rest of the query reads
            // anyway are tested instead.
            Backend::Postgres if !has_trigram(backend, search) => {
                query.push(format_args!(
                    " AND {}(u.search_text, ",
                    backend.position_function()
                ));
                query.push_bind(search.to_owned());
                query.push(") > 0");
            }
            _ => {
                query.push(" AND u.search_text LIKE ");
                query.push_bind(like_pattern(search));
                query.push(" ESCAPE '\\'");
            }
        }
    }
}

/// Whether a trigram index can narrow a search for `text`: SQLite's FTS5 takes every three
/// characters in a row as a trigram; PostgreSQL's `pg_trgm` only three letters or digits in a row
/// (a `%`, `_` or punctuation between them breaks the run), so "a_b" narrows nothing there.
pub(super) fn has_trigram(backend: Backend, text: &str) -> bool {
    match backend {
        Backend::Sqlite => text.chars().count() >= 3,
        Backend::Postgres => text
            .split(|c: char| !c.is_alphanumeric())
            .any(|run| run.chars().count() >= 3),
    }
}

/// The users (`u`) whose search text may hold `text`, read through the trigram index: SQLite's is
/// the FTS5 table `users_search`; PostgreSQL's indexes `users.search_text` itself, where going
/// through the `users_search` view would join the table to itself.
pub(super) fn push_search_candidates(query: &mut QueryBuilder<'_>, backend: Backend, text: &str) {
    if !has_trigram(backend, text) {
        // Text without a trigram narrows nothing: SQLite's FTS5 would test every organization's
        // users one by one, and PostgreSQL's index would list every row (see
        // `push_user_search`), where the exact test that follows reads only the rows the rest of
        // the query selects (100,000 users on SQLite: "ch" counted in 48 ms instead of 91).
        query.push("1 = 1");
        return;
    }
    match backend {
        // A phrase of the text's trigrams finds the rows that hold it from the index alone, where
        // FTS5 checks a LIKE against each candidate's text in `users` (100,000 users: 1 ms
        // instead of 18 for "chen"; 64 instead of 377 for a term every user holds).
        Backend::Sqlite => {
            query.push("u.id IN (SELECT rowid FROM users_search WHERE users_search MATCH ");
            query.push_bind(fts_phrase(text));
            query.push(")");
        }
        Backend::Postgres => {
            query.push("u.search_text LIKE ");
            query.push_bind(candidate_pattern(text));
        }
    }
}

/// Whether PostgreSQL's index of pairs of characters (`search_pairs`) can narrow a search for
/// `text`: text without a trigram, of two characters or more.
pub(super) fn pairs_can_narrow(backend: Backend, text: &str) -> bool {
    backend == Backend::Postgres && !has_trigram(backend, text) && text.chars().nth(1).is_some()
}

/// The users (`u`) whose search text holds every pair of characters in a row of `text`, read
/// through PostgreSQL's index of them: a superset of those that hold `text`. PostgreSQL splits
/// the text too, so that both sides count characters alike whatever the database's encoding.
fn push_pair_candidates(query: &mut QueryBuilder<'_>, text: &str) {
    query.push("search_pairs(u.search_text) @> search_pairs(CAST(");
    query.push_bind(text.to_owned());
    query.push(" AS TEXT))");
}

/// The list filters, after `push_user_view_from`. What they test of a user is read from the
/// tab's own rows: the member (`u`), the external access row (`x`) or the invitation (`i`), which
/// keep the user's status, two-factor state and last sign-in in step. Only members have an
/// organization role here: the role someone holds in another organization never matches.
pub(super) fn push_user_filters(
    query: &mut QueryBuilder<'_>,
    view: UserView,
    org_id: i64,
    filters: &UserFilters,
    now: Timestamp,
) {
    let (state, user_id) = match view {
        UserView::Managed | UserView::Imported => ("u.", "u.id"),
        UserView::External => ("x.", "x.user_id"),
        UserView::Invited => ("i.invitee_", "i.user_id"),
    };
    if let Some(role) = filters.role {
        // The tabs that offer the filter list members, who hold an organization role; on the
        // others nobody is found by it.
        if UserFilter::Role.offered_on(view) {
            query.push(" AND u.org_role = ").push_bind(role.as_str());
        } else {
            query.push(" AND 0 = 1");
        }
    }
    if let Some(status) = filters.status {
        query
            .push(format_args!(" AND {state}status = "))
            .push_bind(status.as_str());
    }
    match filters.two_factor {
        None => {}
        Some(TwoFactorState::Enrolled) => {
            query.push(format_args!(" AND {state}totp_enrolled = 1"));
        }
        Some(TwoFactorState::Pending) => {
            query.push(format_args!(
                " AND {state}totp_enrolled = 0 AND {state}two_factor_required = 1"
            ));
        }
        Some(TwoFactorState::Off) => {
            query.push(format_args!(
                " AND {state}totp_enrolled = 0 AND {state}two_factor_required = 0"
            ));
        }
    }
    if let Some(last) = filters.last_sign_in {
        match last.before(now) {
            None => query.push(format_args!(" AND {state}last_sign_in_at IS NULL")),
            Some(before) => query
                .push(format_args!(
                    " AND ({state}last_sign_in_at IS NULL OR {state}last_sign_in_at < "
                ))
                .push_bind(before)
                .push(")"),
        };
    }
    if filters.account.is_none() && filters.account_role.is_none() {
        return;
    }
    let roles = filters
        .account_role
        .map(|role| i64::from(RoleSet::from_roles([role]).bits()));
    if let (None, Some(roles)) = (filters.account, roles) {
        // A role on any of the organization's accounts: the union of the roles a user holds
        // there (or an invitation grants: its accounts are the organization's, since an account
        // that leaves takes its pending invitations' grants along), which the triggers keep
        // beside the access row and on the invitation, where reading each one's grants and their
        // accounts took the tab counts 0.19 s at 1,000,000 users.
        match view {
            UserView::Managed | UserView::Imported => {
                query.push(" AND u.id IN (SELECT r.user_id FROM org_access r WHERE r.org_id = ");
                query.push_bind(org_id);
                if view == UserView::Imported {
                    // The imported members' rows alone, from their own index, where probing the
                    // access rows once for each imported member took the Imported tab's count
                    // 60–260 ms at 1,000,000 users (a literal: SQLite uses a partial index only
                    // for a condition it can read in the query).
                    query.push(" AND r.imported = 1");
                }
                query
                    .push(" AND (r.roles & ")
                    .push_bind(roles)
                    .push(") <> 0)");
            }
            UserView::External => {
                query
                    .push(" AND (x.roles & ")
                    .push_bind(roles)
                    .push(") <> 0");
            }
            UserView::Invited => {
                query
                    .push(" AND (i.account_roles & ")
                    .push_bind(roles)
                    .push(") <> 0");
            }
        }
        return;
    }
    // As `IN (ids)`, so the database starts from the account's few holders (or invitations)
    // rather than testing every user of the organization.
    if view == UserView::Invited {
        // An invitation grants its accounts on acceptance.
        query.push(" AND i.id IN (SELECT g.invitation_id FROM invitation_accounts g ");
    } else {
        query.push(format_args!(
            " AND {user_id} IN (SELECT g.user_id FROM account_access g "
        ));
    }
    query.push("JOIN accounts a ON a.id = g.account_id WHERE a.org_id = ");
    query.push_bind(org_id);
    if let Some(account) = filters.account {
        query.push(" AND g.account_id = ").push_bind(account);
    }
    if let Some(roles) = roles {
        query
            .push(" AND (g.roles & ")
            .push_bind(roles)
            .push(") <> 0");
    }
    // An account's owner holds it even without a role on it.
    if let (Some(account), None, false) = (filters.account, roles, view == UserView::Invited) {
        query.push(" UNION SELECT a.owner_id FROM accounts a WHERE a.id = ");
        query.push_bind(account);
        query.push(" AND a.org_id = ").push_bind(org_id);
    }
    query.push(")");
}

/// `%text%` for narrowing a search to candidates through PostgreSQL's trigram index, with a LIKE
/// that has no ESCAPE clause, so `%` and `_` in `text` act as wildcards: a superset. A backslash
/// becomes `_`, which matches it, where the LIKE would read it as its default escape character.
/// Without any of the three it equals [`like_pattern`], and the LIKE is exact.
pub(super) fn candidate_pattern(text: &str) -> String {
    format!("%{}%", text.replace('\\', "_"))
}

/// `text` as one FTS5 phrase: every character literal, a double quote doubled.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// ` AND (...)`: any of `columns`, lower-cased, holds `text` (matched literally, see
/// [`like_pattern`]).
pub(super) fn push_any_holds(query: &mut QueryBuilder<'_>, columns: &[&str], text: &str) {
    let pattern = like_pattern(text);
    query.push(" AND (");
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            query.push(" OR ");
        }
        query.push("LOWER(").push(column).push(") LIKE ");
        query.push_bind(pattern.clone());
        query.push(" ESCAPE '\\'");
    }
    query.push(")");
}

/// `%text%` with LIKE's wildcards in `text` escaped, so a search for "50%" finds exactly that.
pub(super) fn like_pattern(text: &str) -> String {
    format!("%{}%", like_escaped(text))
}

/// `text` matched literally in a LIKE pattern with `ESCAPE '\\'`.
pub(super) fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::{
        candidate_pattern, fts_phrase, has_trigram, like_pattern, pairs_can_narrow,
        push_user_search, Backend, Matching, QueryBuilder,
    };

    #[test]
    fn a_trigram_is_any_three_characters_on_sqlite_and_three_letters_or_digits_on_postgresql() {
        for (term, sqlite, postgres) in [
            ("chen", true, true),
            ("o'brien", true, true),
            ("müller", true, true),
            ("ma", false, false),
            ("ü", false, false),
            ("a_b", true, false),
            ("%%%", true, false),
            ("a.b.c", true, false),
        ] {
            assert_eq!(has_trigram(Backend::Sqlite, term), sqlite, "{term}");
            assert_eq!(has_trigram(Backend::Postgres, term), postgres, "{term}");
        }
    }

    /// PostgreSQL's trigram index answers a LIKE of text without a trigram by listing every row.
    #[test]
    fn a_term_without_a_trigram_asks_postgresql_for_no_like() {
        for (term, like) in [
            ("chen", true),
            ("zq", false),
            ("a_b", false),
            ("%%%", false),
        ] {
            for matching in [Matching::Indexed, Matching::Scanned] {
                let mut query = QueryBuilder::new("SELECT u.id FROM users u WHERE 1 = 1");
                push_user_search(&mut query, Backend::Postgres, Some(term), matching);
                assert_eq!(query.sql().contains("LIKE"), like, "{term} {matching:?}");
            }
        }
    }

    /// PostgreSQL's own test of each trigram candidate is exact for a term with no wildcard or
    /// backslash: no second LIKE. One it would read as a wildcard is tested literally after.
    #[test]
    fn postgresql_tests_a_plain_term_once_and_a_wildcard_literally() {
        for (term, likes) in [("chen", 1), ("o'brien", 1), ("50%off", 2), ("ann_lee", 2)] {
            for (backend, expected) in [(Backend::Postgres, likes), (Backend::Sqlite, 1)] {
                let mut query = QueryBuilder::new("SELECT u.id FROM users u WHERE 1 = 1");
                push_user_search(&mut query, backend, Some(term), Matching::Indexed);
                assert_eq!(query.sql().matches("LIKE").count(), expected, "{term}");
            }
            let mut query = QueryBuilder::new("SELECT u.id FROM users u WHERE 1 = 1");
            push_user_search(&mut query, Backend::Postgres, Some(term), Matching::Scanned);
            assert_eq!(query.sql().matches("LIKE").count(), 1, "{term} scanned");
        }
    }

    /// What has no trigram is looked up by its pairs of characters, when it has any, and only
    /// when the search asks for pairs on PostgreSQL; what has a trigram through the trigram index.
    #[test]
    fn a_term_without_a_trigram_is_looked_up_by_its_pairs_when_asked_on_postgresql() {
        for (term, pairs) in [("chen", false), ("zq", true), ("a.b", true), ("z", false)] {
            let sql = |backend, matching| {
                let mut query = QueryBuilder::new("SELECT u.id FROM users u WHERE 1 = 1");
                push_user_search(&mut query, backend, Some(term), matching);
                query.sql().to_owned()
            };
            let asked = sql(Backend::Postgres, Matching::Pairs);
            assert_eq!(asked.contains("search_pairs"), pairs, "{term}");
            assert_eq!(asked.contains("LIKE"), term == "chen", "{term}");
            // The pairs only narrow: the exact test decides ("a.b" holds "a." and ".b", and so
            // does "a.x .b").
            assert_eq!(
                asked.contains("strpos(u.search_text"),
                term != "chen",
                "{term}"
            );
            for (backend, matching) in [
                (Backend::Postgres, Matching::Indexed),
                (Backend::Postgres, Matching::Scanned),
                (Backend::Sqlite, Matching::Pairs),
            ] {
                let sql = sql(backend, matching);
                assert!(!sql.contains("search_pairs"), "{term} {matching:?}");
            }
        }
    }

    #[test]
    fn pairs_narrow_text_without_a_trigram_of_two_characters_or_more_on_postgresql() {
        for (term, narrows) in [
            ("zq", true),
            ("a.b", true),
            ("ñ.", true),
            ("z", false),
            ("chen", false),
        ] {
            assert_eq!(pairs_can_narrow(Backend::Postgres, term), narrows, "{term}");
            assert!(!pairs_can_narrow(Backend::Sqlite, term), "{term}");
        }
    }

    #[test]
    fn fts_phrases_hold_the_text_literally() {
        assert_eq!(fts_phrase("chen"), "\"chen\"");
        assert_eq!(fts_phrase("say \"hi\" OR x*"), "\"say \"\"hi\"\" OR x*\"");
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_pattern("ann"), "%ann%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(candidate_pattern("a\\b"), "%a_b%");
    }
}
